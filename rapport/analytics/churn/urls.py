"""The churn risk pages, mounted under /analytics/churn/."""

from django.urls import path

from rapport.analytics.churn import views

app_name = "analytics_churn"

urlpatterns = [
    path("", views.at_risk, name="at_risk"),
    path("model/", views.model_page, name="model"),
    path("model/train/", views.train, name="train"),
    path("settings/", views.settings_page, name="settings"),
    path(
        "person/<int:pk>/call-task/",
        views.call_task,
        {"kind": "person"},
        name="person_call_task",
    ),
    path(
        "company/<int:pk>/call-task/",
        views.call_task,
        {"kind": "company"},
        name="company_call_task",
    ),
]
