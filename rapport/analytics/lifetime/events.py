"""What the lifetime value services announce; the jobs (`tasks`) subscribe."""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class LifetimeFitQueued(Event):
    """A fit was queued; the job runs it once the run is committed."""

    run_id: int
