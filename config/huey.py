"""The default job queue: Huey's SQLite queue, committed like the main SQLite database.

Huey's SQLite storage leaves SQLite's default `synchronous=FULL`, so every job queued pays an
fsync of the queue file — 5 to 6 ms on the build machine, which was almost all of what 20 active
rules added to a save (docs/benchmarks.md). In WAL mode, `synchronous=NORMAL` (what
config/settings.py sets for the main database) syncs at checkpoints instead: a killed process
loses nothing, only a power cut may lose the jobs of the last moments, as it may the last
commits of the main database.
"""

from huey import SqliteHuey
from huey.storage import SqliteStorage


class WalSqliteStorage(SqliteStorage):
    def _create_connection(self):
        connection = super()._create_connection()
        if self._fsync is None:
            connection.execute("pragma synchronous=NORMAL")
        return connection


class RapportSqliteHuey(SqliteHuey):
    storage_class = WalSqliteStorage
