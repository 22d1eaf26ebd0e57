"""Reads for the home dashboard. Every figure is bounded by an index on the user's own rows.

The counts are of records the user *owns* (indexed by owner), never of everything an
administrator can see, so the home page stays cheap on a database with millions of persons.
Records one owns are visible by the one rule, so the counts filter on the owner alone: joined
with "or my team's", PostgreSQL combined two bitmaps of a team's records for the count.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from rapport.accounts.models import User
from rapport.activities.models import Interaction
from rapport.activities.selectors import interactions_visible_to
from rapport.customers.models import Company, Person

RECENT_DAYS = 30
RECENT_INTERACTIONS_SHOWN = 10


@dataclass
class Dashboard:
    my_persons: int
    my_companies: int
    my_interactions_recent: int
    recent_interactions: list[Interaction]


def dashboard_for(user: User) -> Dashboard:
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    mine = interactions_visible_to(user).filter(logged_by=user)
    return Dashboard(
        my_persons=Person.objects.filter(owner=user).count(),
        my_companies=Company.objects.filter(owner=user).count(),
        # What the user logged, including on records since handed to another team.
        my_interactions_recent=Interaction.objects.filter(
            logged_by=user, occurred_at__gte=since
        ).count(),
        recent_interactions=list(
            mine.select_related("person", "company").order_by("-occurred_at", "-pk")[
                :RECENT_INTERACTIONS_SHOWN
            ]
        ),
    )
