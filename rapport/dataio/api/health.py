"""REST endpoints of dataio: health."""

from ninja import Router

router = Router(tags=["health"])
