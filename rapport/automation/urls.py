from django.urls import path

from rapport.automation import views

app_name = "automation"

urlpatterns = [
    path("", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/cron-preview/", views.cron_preview, name="rule_cron_preview"),
    path("rules/<int:pk>/", views.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/dry-run/", views.rule_dry_run, name="rule_dry_run"),
    path("rules/<int:pk>/active/", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("ready-made/<slug:key>/", views.preset_enable, name="preset_enable"),
]
