"""HTML routes of dataio: dedup."""

urlpatterns: list = []
