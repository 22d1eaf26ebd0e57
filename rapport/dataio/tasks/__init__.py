"""Jobs of dataio, one module per part. Huey's autodiscovery imports this package, which
imports every part so that their tasks are registered; schedules live in config/schedules.py."""

from rapport.dataio.tasks import backups, dedup, health, imports

__all__ = ["backups", "dedup", "health", "imports"]
