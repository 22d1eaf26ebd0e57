"""The public answer page, outside any namespace so that its links stay short: /s/<token>/."""

from django.urls import path

from rapport.surveys import views

urlpatterns = [path("s/<str:token>/", views.answer, name="survey_answer")]
