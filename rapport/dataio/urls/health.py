"""HTML routes of dataio: health."""

from django.urls import path

from rapport.dataio.views import health as views

urlpatterns = [
    path("health/", views.health_page, name="health"),
]
