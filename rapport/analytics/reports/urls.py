"""The reports pages, mounted under /analytics/reports/."""

from django.urls import path

from rapport.analytics.reports import views

app_name = "analytics_reports"

urlpatterns = [
    path("", views.builder, name="builder"),
    path("export/<str:file_format>/", views.export, name="export"),
    path("saved/", views.saved_list, name="saved_list"),
    path("saved/new/", views.saved_create, name="saved_create"),
    path("saved/<int:pk>/edit/", views.saved_update, name="saved_update"),
    path("saved/<int:pk>/delete/", views.saved_delete, name="saved_delete"),
    path("answers/growth/", views.growth, name="growth"),
    path("answers/pareto/", views.pareto, name="pareto"),
]
