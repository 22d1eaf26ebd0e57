"""Jobs of dataio, one module per part. Huey's autodiscovery imports this package, which
imports every part so that their tasks are registered; schedules live in config/schedules.py."""

from rapport.dataio.tasks import backups, bulk, dedup, health, imports

__all__ = ["backups", "bulk", "dedup", "health", "imports"]
