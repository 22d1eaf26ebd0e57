"""`manage.py refresh_analytics`: compute now what the nightly and weekly analytics jobs keep
(customer values, the lifetime value fit, the churn model, the recommendation rules), e.g. after
loading the demo or an import of history, so that their pages show figures at once.

Each part runs inside its own app's service; a part that has too little data says so on its
page (and here) instead of failing the others."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from rapport.analytics.churn.services import churn_train
from rapport.analytics.lifetime.selectors import active_run
from rapport.analytics.lifetime.services import lifetime_run_create
from rapport.analytics.recommend.services import associations_compute
from rapport.analytics.value.services.values import customer_values_recompute_all


class Command(BaseCommand):
    help = (
        "Compute customer values, fit the lifetime value model, train the churn model and "
        "mine the recommendation rules now."
    )

    def handle(self, *args, **options):
        self._step("customer values", lambda: f"{customer_values_recompute_all():,} customers")
        self._step("lifetime value", self._lifetime)
        self._step("churn risk", lambda: f"model run {churn_train().status}")
        self._step("recommendations", lambda: f"run {associations_compute().pk}")

    def _lifetime(self) -> str:
        if active_run() is not None:
            return "a fit is already queued or running"
        # The fit is the job's (queued when this commits), as from the model page's button.
        with transaction.atomic():
            run = lifetime_run_create(actor=None)
        return f"fit queued as run {run.pk}"

    def _step(self, name: str, work) -> None:
        started = time.monotonic()
        outcome = work()
        self.stdout.write(f"Analytics: {name}: {outcome} ({time.monotonic() - started:.1f}s).")
