"""The public support forms, mounted at /support/ (no sign-in)."""

from django.urls import path

from rapport.service import web_form_views

app_name = "service_public"

urlpatterns = [
    path("f/<str:public_key>/", web_form_views.support_form_public, name="support_form_public"),
    path(
        "f/<str:public_key>/thanks/",
        web_form_views.support_form_thanks,
        name="support_form_thanks",
    ),
]
