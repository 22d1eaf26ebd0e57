"""Jobs of the recommendations: recomputing the product rules, nightly (config/schedules.py) and
on demand (`recompute_associations()` queued, or `manage.py compute_recommendations`)."""

from huey.contrib.djhuey import db_task

from rapport.analytics.recommend.services import associations_compute


def compute_associations_nightly() -> None:
    associations_compute()


@db_task()
def recompute_associations() -> int:
    """Recompute the rules now; returns the number of product pairs kept. Safe to run twice:
    each run replaces the last one's rows with the same ones for the same orders."""
    return associations_compute().pairs
