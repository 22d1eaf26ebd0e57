"""HTML routes of dataio (under /data/), one module per part."""

from rapport.dataio.urls import backups, dedup, exports, health, imports

app_name = "dataio"

urlpatterns = [
    *imports.urlpatterns,
    *dedup.urlpatterns,
    *exports.urlpatterns,
    *health.urlpatterns,
    *backups.urlpatterns,
]
