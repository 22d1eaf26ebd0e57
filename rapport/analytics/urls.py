"""The analytics pages, mounted under /analytics/: the dashboards here, and each analytics app's
pages under its own prefix (see config/urls.py)."""

from django.urls import path

from rapport.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboards_home, name="dashboards"),
    path("service/", views.service_dashboard, name="service_dashboard"),
    path("settings/layouts/", views.layout_settings, name="layout_settings"),
    path("persons/<int:pk>/insights/", views.person_insights, name="person_insights"),
    path("companies/<int:pk>/insights/", views.company_insights, name="company_insights"),
    path("deals/<int:pk>/insights/", views.deal_insights, name="deal_insights"),
    path("dashboards/<slug:key>/", views.dashboard, name="dashboard"),
    path("dashboards/<slug:key>/layout/", views.layout_change, name="layout_change"),
]
