from django.urls import path

from wizard import import_views, views

app_name = "wizard"

urlpatterns = [
    path("spending/", views.spending, name="spending"),
    path("spending/total/", views.spending_total, name="spending-total"),
    path("import/", import_views.upload, name="import"),
    path("import/review/", import_views.review, name="import-review"),
    path("import/move/", import_views.move, name="import-move"),
    path("import/use/", import_views.use, name="import-use"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/held-cards/", views.held_cards, name="held-cards"),
    path("review/", views.review, name="review"),
]
