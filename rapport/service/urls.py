"""The service app's pages: tickets (list, the agent's, the team's queue, the ticket page, new
ticket) and its settings."""

from django.urls import path

from rapport.service.views import settings, settings_forms, sla, ticket, ticket_fields, tickets
from rapport.service.views.reports import complaint_report

app_name = "service"

urlpatterns = [
    path("tickets/", tickets.ticket_list, name="ticket_list"),
    path("reports/sla/", sla.sla_report, name="sla_report"),
    path("settings/sla-policies/", sla.sla_policy_list, name="sla_policy_list"),
    path("settings/sla-policies/<int:pk>/", sla.sla_policy_edit, name="sla_policy_edit"),
    path("settings/business-hours/", sla.business_hours_list, name="business_hours_list"),
    path("settings/business-hours/<int:pk>/", sla.business_hours_edit, name="business_hours_edit"),
    path("settings/holidays/", sla.holiday_calendar_list, name="holiday_calendar_list"),
    path("settings/holidays/<int:pk>/", sla.holiday_calendar_edit, name="holiday_calendar_edit"),
    path("tickets/new/", tickets.ticket_create, name="ticket_create"),
    path("tickets/mine/", tickets.my_tickets, name="my_tickets"),
    path("tickets/mine/away/", settings.my_away_toggle, name="my_away_toggle"),
    path("queue/", tickets.team_queue, name="team_queue"),
    path("reports/complaints/", complaint_report, name="complaint_report"),
    path("queue/assign/", tickets.team_queue_assign, name="team_queue_assign"),
    path("tickets/<int:pk>/", ticket.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/reply/", ticket.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/status/", ticket.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/assign/", ticket.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/edit/", ticket.ticket_edit, name="ticket_edit"),
    path("tickets/<int:pk>/merge/", ticket.ticket_merge, name="ticket_merge"),
    path("tickets/<int:pk>/canned/", ticket.canned_reply_insert, name="canned_reply_insert"),
    path("tickets/<int:pk>/fields/", ticket_fields.ticket_fields, name="ticket_fields"),
    path("tickets/<int:pk>/articles/", ticket_fields.ticket_articles, name="ticket_articles"),
    path("attachments/<int:pk>/", ticket.attachment_download, name="attachment_download"),
    path("settings/categories/", settings.category_list, name="category_list"),
    path("settings/categories/<int:pk>/", settings.category_edit, name="category_edit"),
    path("settings/canned-replies/", settings.canned_reply_list, name="canned_reply_list"),
    path("settings/canned-replies/<int:pk>/", settings.canned_reply_edit, name="canned_reply_edit"),
    path("settings/assignment-rules/", settings.assignment_rule_list, name="assignment_rule_list"),
    path(
        "settings/assignment-rules/<int:pk>/",
        settings.assignment_rule_edit,
        name="assignment_rule_edit",
    ),
    path("settings/agents/", settings.agent_list, name="agent_list"),
    path("settings/agents/<int:user_id>/", settings.agent_edit, name="agent_edit"),
    path("settings/support-forms/", settings_forms.support_form_list, name="support_form_list"),
    path(
        "settings/support-forms/<int:pk>/",
        settings_forms.support_form_edit,
        name="support_form_edit",
    ),
    path(
        "settings/support-forms/<int:pk>/active/",
        settings_forms.support_form_active,
        name="support_form_active",
    ),
    path(
        "settings/support-forms/<int:pk>/embed/",
        settings_forms.support_form_embed,
        name="support_form_embed",
    ),
]
