"""REST endpoints of dataio: dedup."""

from ninja import Router

router = Router(tags=["dedup"])
