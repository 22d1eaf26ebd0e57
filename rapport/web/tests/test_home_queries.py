"""The home page costs a fixed number of queries per role, whatever the number of records.

Each role's page is loaded once over a small book and once after more of everything (deals in
every stage, leads, overdue orders, tasks with customers, interactions of more people, imports,
stuck deals); the count must not move, and stays within the role's budget.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.activities.services import interaction_create
from rapport.activities.task_services import task_create
from rapport.customers.services import person_create
from rapport.dataio.models import ImportJob
from rapport.dataio.services.health import health_snapshot_take
from rapport.sales.models import Deal
from rapport.sales.services.deals import stage_update
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)
from rapport.web.tests.test_home import _deal, _overdue_order, book  # noqa: F401 (fixture)

# Session and user; my tasks (counts, rows, their persons and companies); whether there are
# customers; the open stages; deals by stage; leads waiting, the queue, the top leads; overdue
# receivables; stuck deals (count and rows). Managers add the forecast (two quotas, one
# aggregate, the owners' names), the team's members and their interactions and the team's name;
# administrators the snapshot, the imports and the permissions the navigation checks. A team's
# and everyone's overdue receivables come from the cache (the newest order and payment for its
# key, the read, and on a miss the sum and the write); the counts here are of a cold cache.
BUDGET = {"alice": 14, "diana": 28, "admin": 31}


def _more_of_everything(admin_user, alice, bob, east, stages):
    carol = user_create(username="carol", password="x" * 12, role=Role.SALES_REP, team=east)
    for i in range(6):
        for who in (alice, bob, carol):
            person = person_create(actor=who, data={"full_name": f"客户{who.username}{i}"})
            for stage in ("qualification", "needs_analysis", "proposal", "negotiation"):
                deal = _deal(who, stages[stage], f"{100 + i}.00", f"{who} {stage} {i}")
                Deal.objects.filter(pk=deal.pk).update(
                    stage_entered_at=timezone.now() - datetime.timedelta(days=10 + i)
                )
            lead_create(actor=who, data={"full_name": f"线索{who.username}{i}"})
            lead_create(
                actor=admin_user,
                data={"full_name": f"队列{i}{who}", "team_id": east.pk, "auto_assign": True},
            )
            _overdue_order(who, person, f"{10 + i}.00")
            interaction_create(actor=who, person=person, data={"channel": "call", "subject": "x"})
            task_create(
                actor=who,
                data={
                    "title": f"回访 {i}",
                    "person_id": person.pk,
                    "due_at": timezone.now() - datetime.timedelta(hours=i + 1),
                },
            )
        ImportJob.objects.create(actor=admin_user, target="persons", original_name=f"{i}.csv")
    health_snapshot_take()


def _count(client, user) -> int:
    client.force_login(user)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize("who", ["alice", "diana", "admin"])
def test_home_query_count_does_not_grow_with_the_data(
    request,
    client,
    admin_user,
    alice,
    bob,
    east,
    stages,
    east_person,
    who,
    django_assert_max_num_queries,
):
    # Given the small book, with a stage limit and one task about a customer
    user = request.getfixturevalue("admin_user" if who == "admin" else who)
    stage_update(actor=admin_user, stage=stages["proposal"], data={"stale_after_days": 5})
    task_create(
        actor=user, data={"title": "first", "due_at": timezone.now(), "person_id": east_person.pk}
    )
    small = _count(client, user)

    # When there is more of everything

    _more_of_everything(admin_user, alice, bob, east, stages)

    # Then the page costs the same, within the role's budget
    cache.clear()
    with django_assert_max_num_queries(BUDGET[who]):
        client.get(reverse("web:home"))
    assert _count(client, user) == small


def test_new_installation_costs_a_few_queries(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    # Session, user, tasks (2), four "is there anything" checks, the three steps' checks and
    # the navigation's permissions.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("web:home"))
    assert response.context["home"].getting_started is not None
