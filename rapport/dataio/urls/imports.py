"""HTML routes of dataio: imports."""

urlpatterns: list = []
