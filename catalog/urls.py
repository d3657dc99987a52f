from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.card_list, name="card-list"),
    # Before the detail route, which would otherwise take "compare" for a card id.
    path("compare/", views.card_compare, name="card-compare"),
    path("compare/toggle/", views.compare_toggle, name="compare-toggle"),
    path("<slug:slug>/", views.card_detail, name="card-detail"),
    path("<slug:slug>/report/", views.card_report, name="card-report"),
]
