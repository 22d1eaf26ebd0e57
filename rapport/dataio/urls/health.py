"""HTML routes of dataio: health."""

urlpatterns: list = []
