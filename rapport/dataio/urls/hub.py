"""HTML routes of dataio: the data page that links to every part."""

from django.urls import path

from rapport.dataio.views import hub as views

urlpatterns = [
    path("", views.data_home, name="home"),
]
