"""The surveys' staff pages: reports and the administrators' settings."""

from django.urls import path

from rapport.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.reports, name="reports"),
    path("settings/", views.survey_list, name="survey_list"),
    path("settings/<int:pk>/", views.survey_edit, name="survey_edit"),
]
