from django.urls import path

from wizard import stream, views

app_name = "results"

urlpatterns = [
    path("<slug:token>/", views.results, name="detail"),
    path("<slug:token>/stream/", stream.results_stream, name="stream"),
    path("<slug:token>/change/", views.change_answers, name="change"),
]
