from django.urls import path

from results import views

app_name = "results"

urlpatterns = [
    path("<slug:token>/", views.detail, name="detail"),
    path("<slug:token>/stream/", views.stream, name="stream"),
    path("<slug:token>/change/", views.change_answers, name="change"),
    path("<slug:token>/math/<str:wallet>/", views.wallet_math, name="math"),
]
