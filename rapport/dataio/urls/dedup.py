"""HTML routes of dataio: dedup."""

from django.urls import path

from rapport.dataio.views import dedup as views

urlpatterns = [
    path("duplicates/", views.duplicate_queue, name="duplicate_list"),
    path("duplicates/<int:pk>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
    path("duplicates/scan/", views.duplicates_scan_start, name="duplicates_scan"),
    path("duplicates/merge/", views.duplicates_bulk_merge, name="duplicates_bulk_merge"),
    path("duplicates/check/", views.duplicate_check, name="duplicate_check"),
]
