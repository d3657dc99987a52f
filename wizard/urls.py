from django.urls import path

from wizard import views

app_name = "wizard"

urlpatterns = [
    path("spending/", views.spending, name="spending"),
    path("spending/total/", views.spending_total, name="spending-total"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/held-cards/", views.held_cards, name="held-cards"),
    path("review/", views.review, name="review"),
]
