"""Jobs of the sales app, run by the Huey consumer (`manage.py run_huey`, or `serve`).

Jobs take ids and call a service; each is safe to run twice. When they run is decided in
config/schedules.py, the one module declaring every periodic schedule. One section per part of
the sales flow.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from rapport.core.events import subscribe
from rapport.sales.events import LeadScoringRulesChanged
from rapport.sales.selectors.deals import stale_deal_ids
from rapport.sales.services.deals import deal_follow_up_if_stale
from rapport.sales.services.leads import lead_scores_recompute_all

# --- Deals: a follow-up task for a deal that sits too long in a stage -----------------------------


def create_stale_deal_tasks(now: datetime.datetime | None = None) -> int:
    """Give the owner of each open deal that has been in its stage longer than the stage's
    `stale_after_days` one follow-up task for that stay; returns how many were created.

    Run every hour. Each deal is re-checked under a row lock, so overlapping runs create one task.
    """
    now = now or timezone.now()
    return sum(deal_follow_up_if_stale(deal_id=pk, now=now) for pk in stale_deal_ids(now))


# --- Leads: scores that change with time or with the rules -------------------------------------


@db_task()
def recompute_lead_scores() -> int:
    """Recompute every open lead's score; queued when an administrator changes the scoring rules.

    Safe to run twice: a lead whose score and reasons did not change is not written.
    """
    return lead_scores_recompute_all()


@subscribe(LeadScoringRulesChanged)
def _queue_lead_score_recomputation(event: LeadScoringRulesChanged) -> None:
    transaction.on_commit(lambda: recompute_lead_scores())


def recompute_time_based_lead_scores(now: datetime.datetime | None = None) -> int:
    """Run daily: rules such as "no contact for 14 days" change a score with no edit of the lead.

    Returns how many leads changed.
    """
    return lead_scores_recompute_all(now=now or timezone.now())
