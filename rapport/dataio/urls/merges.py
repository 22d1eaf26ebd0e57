"""HTML routes of dataio: merging persons and companies."""

from django.urls import path

from rapport.dataio.views import merges as views

urlpatterns = [
    path("merges/", views.merge_list, name="merge_list"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("merge/persons/<int:a>/", views.merge_pick_person, name="merge_pick_person"),
    path("merge/persons/<int:a>/<int:b>/", views.merge_persons, name="merge_persons"),
    path("merge/companies/<int:a>/", views.merge_pick_company, name="merge_pick_company"),
    path("merge/companies/<int:a>/<int:b>/", views.merge_companies, name="merge_companies"),
]
