"""HTML routes of dataio: exports."""

from django.urls import path

from rapport.dataio.views import exports as views

urlpatterns = [
    path("exports/", views.export_log, name="export_log"),
    path("exports/<slug:record_type>/", views.export_form, name="export_form"),
    path("exports/<slug:record_type>/download/", views.export_download, name="export_download"),
]
