from django.urls import path

from rapport.messaging import views

app_name = "messaging"

urlpatterns = [
    # Links inside e-mails: no login.
    path("u/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("o/<str:token>/", views.open_view, name="open"),
    path("c/<str:token>/", views.click_view, name="click"),
    # Administrators.
    path("outbox/", views.message_list, name="message_list"),
    path("outbox/<int:message_pk>/", views.message_detail, name="message_detail"),
    path("outbox/<int:message_pk>/resend/", views.message_resend_view, name="message_resend"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:template_pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:template_pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:template_pk>/delete/", views.template_delete, name="template_delete"),
    path("suppressions/", views.suppression_list, name="suppression_list"),
    path(
        "suppressions/<int:suppression_pk>/delete/",
        views.suppression_delete,
        name="suppression_delete",
    ),
    # The consent panel of a person page (htmx).
    path("persons/<int:person_pk>/consent/", views.person_consent, name="person_consent"),
]
