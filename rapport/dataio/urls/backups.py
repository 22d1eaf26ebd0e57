"""HTML routes of dataio: backups."""

urlpatterns: list = []
