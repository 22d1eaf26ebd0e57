from django.urls import path

from rapport.sales.views import deals as views

urlpatterns = [
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/person-options/", views.person_options, name="deal_person_options"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/delete/", views.deal_delete, name="deal_delete"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:pk>/win/", views.deal_win, name="deal_win"),
    path("deals/<int:pk>/lose/", views.deal_lose, name="deal_lose"),
    path("deals/<int:pk>/reopen/", views.deal_reopen, name="deal_reopen"),
    path("kanban/", views.kanban_default, name="kanban_default"),
    path("pipelines/<int:pk>/kanban/", views.kanban, name="kanban"),
    path("stages/<int:stage_pk>/cards/", views.kanban_column, name="kanban_column"),
    path("forecast/", views.forecast_page, name="forecast"),
    path("funnel/", views.funnel_page, name="funnel"),
    path("reports/lost-reasons/", views.lost_reasons_page, name="lost_reasons_report"),
    path("leaderboard/", views.leaderboard_page, name="leaderboard"),
    path("quotas/", views.quota_list, name="quota_list"),
    path("quotas/<int:pk>/delete/", views.quota_delete, name="quota_delete"),
    path("quotas/attainment/", views.attainment_widget, name="attainment_widget"),
    path("settings/pipelines/", views.pipeline_settings, name="pipeline_settings"),
    path("settings/pipelines/<int:pk>/", views.pipeline_edit, name="pipeline_edit"),
    path("settings/pipelines/<int:pk>/update/", views.pipeline_update, name="pipeline_update"),
    path("settings/pipelines/<int:pk>/delete/", views.pipeline_delete, name="pipeline_delete"),
    path("settings/stages/<int:pk>/", views.stage_edit, name="stage_edit"),
    path("settings/stages/<int:pk>/move/", views.stage_move, name="stage_move"),
    path("settings/stages/<int:pk>/delete/", views.stage_delete, name="stage_delete"),
    path("settings/lost-reasons/", views.lost_reason_settings, name="lost_reason_settings"),
    path(
        "settings/lost-reasons/<int:pk>/toggle/",
        views.lost_reason_toggle,
        name="lost_reason_toggle",
    ),
]
