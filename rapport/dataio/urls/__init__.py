"""HTML routes of dataio (under /data/), one module per part."""

from rapport.dataio.urls import backups, bulk, dedup, exports, health, hub, imports, merges

app_name = "dataio"

urlpatterns = [
    *hub.urlpatterns,
    *imports.urlpatterns,
    *dedup.urlpatterns,
    *merges.urlpatterns,
    *exports.urlpatterns,
    *health.urlpatterns,
    *backups.urlpatterns,
    *bulk.urlpatterns,
]
