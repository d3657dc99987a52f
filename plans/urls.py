from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.start, name="start"),
    path("<slug:token>/", views.detail, name="detail"),
    path("<slug:token>/stream/", views.stream, name="stream"),
]
