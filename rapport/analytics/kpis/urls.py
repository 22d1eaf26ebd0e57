"""The kpis pages, mounted under /analytics/kpis/."""

from django.urls import path

from rapport.analytics.kpis import views

app_name = "analytics_kpis"

urlpatterns = [
    path("", views.kpis, name="kpis"),
    path("cohorts/", views.cohorts, name="cohorts"),
]
