"""HTML routes of dataio: imports."""

from django.urls import path

from rapport.dataio.views import imports as views

urlpatterns = [
    path("imports/", views.import_list, name="imports"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/mapping/", views.import_mapping, name="import_mapping"),
    path(
        "imports/<int:job_id>/mapping/apply/",
        views.import_mapping_apply,
        name="import_mapping_apply",
    ),
    path("imports/<int:job_id>/status/", views.import_status, name="import_status"),
    path("imports/<int:job_id>/dry-run/", views.import_dry_run, name="import_dry_run"),
    path("imports/<int:job_id>/encoding/", views.import_encoding, name="import_encoding"),
    path("imports/<int:job_id>/start/", views.import_start, name="import_start"),
    path("imports/<int:job_id>/undo/", views.import_undo, name="import_undo"),
    path(
        "imports/<int:job_id>/rejected/",
        views.import_rejected_download,
        name="import_rejected",
    ),
    path(
        "imports/<int:job_id>/warnings/",
        views.import_warnings_download,
        name="import_warnings",
    ),
]
