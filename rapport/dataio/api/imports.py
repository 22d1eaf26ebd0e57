"""REST endpoints of dataio: imports."""

from ninja import Router

router = Router(tags=["imports"])
