"""REST endpoints of dataio: backups."""

from ninja import Router

router = Router(tags=["backups"])
