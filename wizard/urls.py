from django.urls import path

from wizard import statement_import, views

app_name = "wizard"

urlpatterns = [
    path("spending/", views.spending, name="spending"),
    path("spending/total/", views.spending_total, name="spending-total"),
    path("import/", statement_import.upload, name="import"),
    path("import/review/", statement_import.review, name="import-review"),
    path("import/move/", statement_import.move, name="import-move"),
    path("import/use/", statement_import.use, name="import-use"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/held-cards/", views.held_cards, name="held-cards"),
    path("review/", views.review, name="review"),
]
