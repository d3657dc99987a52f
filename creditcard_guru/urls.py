"""URL routes for the whole site."""

from django.contrib import admin
from django.urls import include, path

from creditcard_guru import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("wizard/", include("wizard.urls")),
    path("results/", include("results.urls")),
    path("results/", include("whatif.urls")),
    path("plan/", include("plans.urls")),
    path("cards/", include("catalog.urls")),
    path("admin/", admin.site.urls),
]
