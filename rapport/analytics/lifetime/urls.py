"""The lifetime value pages, mounted under /analytics/lifetime/."""

from django.urls import path

from rapport.analytics.lifetime import views

app_name = "analytics_lifetime"

urlpatterns = [
    path("", views.model_page, name="model"),
    path("fit/", views.fit_now, name="fit"),
]
