"""HTML routes of dataio: bulk actions on the lists."""

from django.urls import path

from rapport.dataio.views import bulk as views

urlpatterns = [
    path("bulk/", views.bulk_confirm, name="bulk_confirm"),
    path("bulk/run/", views.bulk_run, name="bulk_run"),
    path("bulk/<int:pk>/", views.bulk_job, name="bulk_job"),
    path("bulk/<int:pk>/status/", views.bulk_job_status, name="bulk_job_status"),
    path("bulk/<int:pk>/skipped/", views.bulk_job_skipped, name="bulk_job_skipped"),
]
