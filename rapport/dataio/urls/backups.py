"""HTML routes of dataio: backups."""

from django.urls import path

from rapport.dataio.views import backups as views

urlpatterns = [
    path("backups/", views.backup_list_page, name="backups"),
]
