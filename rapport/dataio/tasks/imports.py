"""Import jobs: run an import, resume the ones a dead worker left, purge expired undo data."""


def resume_stalled_imports() -> None:
    """Re-enqueue imports whose worker stopped beating (killed mid-run). Not written yet."""


def purge_expired_imports() -> None:
    """Drop undo data and uploaded files of imports older than the undo window. Not written yet."""
