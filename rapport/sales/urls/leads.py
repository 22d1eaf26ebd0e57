from django.urls import path

from rapport.sales.views import lead_settings
from rapport.sales.views import leads as views

urlpatterns = [
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail_page, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/delete/", views.lead_delete, name="lead_delete"),
    path("leads/<int:pk>/history/", views.lead_event_add, name="lead_event_add"),
    path("leads/<int:pk>/assign/", views.lead_assign, name="lead_assign"),
    path("leads/<int:pk>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("leads/settings/scoring/", lead_settings.scoring_rule_list, name="lead_scoring_rule_list"),
    path(
        "leads/settings/scoring/<int:pk>/",
        lead_settings.scoring_rule_edit,
        name="lead_scoring_rule_edit",
    ),
    path(
        "leads/settings/scoring/<int:pk>/delete/",
        lead_settings.scoring_rule_delete,
        name="lead_scoring_rule_delete",
    ),
    path(
        "leads/settings/assignment/",
        lead_settings.assignment_rule_list,
        name="lead_assignment_rule_list",
    ),
    path(
        "leads/settings/assignment/<int:pk>/",
        lead_settings.assignment_rule_edit,
        name="lead_assignment_rule_edit",
    ),
    path(
        "leads/settings/assignment/<int:pk>/delete/",
        lead_settings.assignment_rule_delete,
        name="lead_assignment_rule_delete",
    ),
    path("leads/settings/forms/", lead_settings.lead_form_list, name="lead_form_list"),
    path("leads/settings/forms/new/", lead_settings.lead_form_create, name="lead_form_create"),
    path("leads/settings/forms/<int:pk>/", lead_settings.lead_form_edit, name="lead_form_edit"),
    path(
        "leads/settings/forms/<int:pk>/delete/",
        lead_settings.lead_form_delete,
        name="lead_form_delete",
    ),
    path(
        "leads/settings/forms/<int:pk>/embed/",
        lead_settings.lead_form_embed,
        name="lead_form_embed",
    ),
    # Public: what websites embed. No sign-in.
    path("f/<str:public_key>/", views.lead_form_public, name="lead_form_public"),
    path("f/<str:public_key>/thanks/", views.lead_form_thanks, name="lead_form_thanks"),
]
