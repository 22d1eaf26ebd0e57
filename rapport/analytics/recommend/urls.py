"""The recommendations pages, mounted under /analytics/recommend/."""

from django.urls import path

from rapport.analytics.recommend import views

app_name = "analytics_recommend"

urlpatterns = [
    path("order-suggestions/", views.order_suggestions, name="order_suggestions"),
]
