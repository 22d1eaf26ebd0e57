from django.urls import path

from rapport.inbox import views

app_name = "inbox"

urlpatterns = [
    # Administrators.
    path("", views.inbound_list, name="inbound_list"),
    path("<int:inbound_pk>/", views.inbound_detail, name="inbound_detail"),
    path("<int:inbound_pk>/process/", views.inbound_reprocess_view, name="inbound_reprocess"),
    path("<int:inbound_pk>/raw/", views.inbound_raw, name="inbound_raw"),
    # Whoever may see the message's person.
    path(
        "attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
