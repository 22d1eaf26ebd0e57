"""HTML routes of dataio: exports."""

urlpatterns: list = []
