"""The dashboards' pages (mounted under /analytics/)."""

from django.urls import path

from rapport.analytics import views

app_name = "analytics"

urlpatterns = [
    path("service/", views.service_dashboard, name="service_dashboard"),
]
