"""REST endpoints of dataio: exports."""

from ninja import Router

router = Router(tags=["exports"])
