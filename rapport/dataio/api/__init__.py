"""The dataio routers, mounted under /api/v1 by rapport.api.api."""

from rapport.dataio.api import backups, bulk, dedup, exports, health, imports, merges

routers = [
    imports.router,
    dedup.router,
    merges.router,
    exports.router,
    health.router,
    backups.router,
    bulk.router,
]
