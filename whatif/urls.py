from django.urls import path

from whatif import views

app_name = "whatif"

urlpatterns = [
    path("<slug:token>/what-if/", views.what_if, name="page"),
    path("<slug:token>/what-if/save/", views.save, name="save"),
]
