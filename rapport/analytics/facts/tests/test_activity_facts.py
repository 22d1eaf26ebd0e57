"""The daily counts of interactions, leads and closed deals equal a direct query after every kind
of change (created, edited, moved to another day, deleted, a deal won, lost and reopened, a lead
converted and disqualified, a customer given to another owner, two customers merged), and the
manager's and marketer's widgets read from them give what the direct queries of before gave,
for each reader and the team filter.

`expected_*` read the source rows one by one in Python, by the visibility rules of
`interactions_visible_to`, `leads_visible_to` and `deals_visible_to`."""

import datetime
import io
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db.models import Count, Q, Sum
from django.utils import timezone

from rapport.activities.models import Interaction
from rapport.activities.selectors import interactions_visible_to
from rapport.activities.services import interaction_create, interaction_delete, interaction_update
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.facts.activity_upkeep import (
    activity_facts_compare,
    activity_facts_rebuild,
)
from rapport.analytics.facts.models import (
    DealCloseFact,
    InteractionFact,
    LeadFact,
    RecordFactDay,
)
from rapport.analytics.facts.zone import local_day
from rapport.analytics.selectors.common import DaysBetween, day_start, period_index
from rapport.analytics.selectors.marketing import MarketingSource
from rapport.analytics.selectors.sales import SalesSource
from rapport.core.records import record_changed
from rapport.customers.services import company_create, person_create, person_update
from rapport.dataio.services.dedup.merge import person_merge
from rapport.sales.models import Deal, DealStatus, Lead, LeadStatus
from rapport.sales.selectors.leads import leads_visible_to
from rapport.sales.services.deals import (
    deal_create,
    deal_delete,
    deal_lose,
    deal_reopen,
    deal_win,
)
from rapport.sales.services.leads import lead_create
from rapport.sales.services.leads.capture import lead_delete, lead_disqualify
from rapport.sales.services.leads.conversion import lead_convert
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db

NONE = {"interaction": [], "lead": [], "deal": []}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _visible(owner_id, team_id) -> tuple:
    return (owner_id, team_id)


def expected_interactions() -> dict:
    cells: Counter = Counter()
    for i in Interaction.objects.select_related("person", "company"):
        holder = i.person if i.person_id else i.company
        owner, team = (holder.owner_id, holder.team_id) if holder else (None, None)
        cells[(local_day(i.occurred_at), owner, team, i.logged_by_id, i.channel)] += 1
    return dict(cells)


def stored_interactions() -> dict:
    cells: Counter = Counter()
    for f in InteractionFact.objects.all():
        cells[(f.day, f.owner_id, f.team_id, f.logged_by_id, f.channel)] += f.interactions
    return {k: v for k, v in cells.items() if v}


def expected_leads() -> dict:
    cells: Counter = Counter()
    for lead in Lead.objects.all():
        key = (local_day(lead.created_at), lead.owner_id, lead.team_id, lead.source)
        cells[(*key, lead.campaign, lead.status)] += 1
    return dict(cells)


def stored_leads() -> dict:
    cells: Counter = Counter()
    for f in LeadFact.objects.all():
        cells[(f.day, f.owner_id, f.team_id, f.source, f.campaign, f.status)] += f.leads
    return {k: v for k, v in cells.items() if v}


def expected_deals() -> dict:
    cells: dict = defaultdict(lambda: [0, 0.0])
    for deal in Deal.objects.filter(status__in=("won", "lost"), closed_at__isnull=False):
        cell = cells[(local_day(deal.closed_at), deal.owner_id, deal.team_id, deal.status)]
        cell[0] += 1
        cell[1] += (deal.closed_at - deal.created_at).total_seconds() / 86400
    return {k: (n, round(days, 6)) for k, (n, days) in cells.items()}


def stored_deals() -> dict:
    cells: dict = defaultdict(lambda: [0, 0.0])
    for f in DealCloseFact.objects.all():
        cell = cells[(f.day, f.owner_id, f.team_id, f.status)]
        cell[0] += f.deals
        cell[1] += f.cycle_days
    return {k: (n, round(days, 6)) for k, (n, days) in cells.items() if n}


def assert_facts_equal_the_records():
    assert stored_interactions() == expected_interactions()
    assert stored_leads() == expected_leads()
    assert stored_deals() == expected_deals()
    assert activity_facts_compare() == NONE


# The widgets' reads as they were before the facts (direct queries of the records).


def direct_by_rep(source: SalesSource) -> list:
    qs = interactions_visible_to(source.user).filter(
        occurred_at__gte=source.range_start, occurred_at__lt=source.range_end
    )
    if source.filters.team_id is not None:
        qs = qs.filter(logged_by__team_id=source.filters.team_id)
    else:
        qs = qs.filter(logged_by__isnull=False)
    return list(qs.order_by().values("logged_by_id", "channel").annotate(n=Count("pk")))


def direct_closed(source: SalesSource) -> list:
    return list(
        source.deals.filter(
            status__in=(DealStatus.WON, DealStatus.LOST),
            closed_at__gte=source.range_start,
            closed_at__lt=source.range_end,
        )
        .annotate(period=period_index("closed_at", source.periods))
        .order_by()
        .values("period", "status")
        .annotate(n=Count("pk"), days=Sum(DaysBetween("closed_at", "created_at")))
    )


def direct_leads(source: MarketingSource) -> tuple[list, list]:
    leads = leads_visible_to(source.user)
    if source.filters.team_id is not None:
        leads = leads.filter(team_id=source.filters.team_id)
    leads = leads.filter(
        created_at__gte=day_start(source.filters.start),
        created_at__lt=day_start(source.filters.end + datetime.timedelta(days=1)),
    )
    by_source = list(
        leads.order_by()
        .values("source", "campaign")
        .annotate(
            n=Count("pk"),
            converted=Count("pk", filter=Q(status=LeadStatus.CONVERTED)),
            disqualified=Count("pk", filter=Q(status=LeadStatus.DISQUALIFIED)),
        )
    )
    arrivals = list(
        leads.annotate(period=period_index("created_at", source.periods))
        .order_by()
        .values("period", "source")
        .annotate(n=Count("pk"))
    )
    return by_source, arrivals


def _rows(rows, *keys) -> list:
    """Rows as comparable tuples (the cycle's float sum to 6 places)."""
    return sorted(
        tuple(round(row[k], 6) if isinstance(row[k], float) else row[k] for k in keys)
        for row in rows
    )


def assert_widgets_read_what_the_records_say(readers, teams):
    today = timezone.localdate()
    for user in readers:
        for team in (None, *teams):
            for days in (7, 84, 400):
                filters = DashboardFilters.from_query(
                    start=today - datetime.timedelta(days=days),
                    end=today,
                    team_id=team.pk if team else None,
                )
                for mine in (False, True):
                    sales = SalesSource(user, filters, mine=mine)
                    assert _rows(sales.by_rep, "logged_by_id", "channel", "n") == _rows(
                        direct_by_rep(sales), "logged_by_id", "channel", "n"
                    )
                    assert _rows(sales.closed, "period", "status", "n", "days") == _rows(
                        direct_closed(sales), "period", "status", "n", "days"
                    )
                marketing = MarketingSource(user, filters)
                by_source, arrivals = direct_leads(marketing)
                keys = ("source", "campaign", "n", "converted", "disqualified")
                assert _rows(marketing.by_source, *keys) == _rows(by_source, *keys)
                keys = ("period", "source", "n")
                assert _rows(marketing.arrivals, *keys) == _rows(arrivals, *keys)


def test_the_activity_facts_equal_a_direct_query_after_every_kind_of_change(
    alice, bob, charlie, diana, admin_user, east, west, pipeline, price_reason, committed
):
    now = timezone.now()
    zhang = person_create(actor=alice, data={"full_name": "张伟"})
    wang = person_create(actor=bob, data={"full_name": "王芳"})
    emily = person_create(actor=charlie, data={"full_name": "Emily Carter"})
    firm = company_create(actor=alice, data={"name": "东方贸易有限公司"})

    def log(actor, channel, *, person=None, company=None, days_ago=0):
        return interaction_create(
            actor=actor,
            data={
                "channel": channel,
                "subject": channel,
                "occurred_at": (now - datetime.timedelta(days=days_ago)).isoformat(),
            },
            person=person,
            company=company,
        )

    # Inserts: interactions with a person (of two teams), with a company alone, logged by a
    # colleague; leads of two teams and sources; deals won and lost on several days.
    with committed():
        call = log(alice, "call", person=zhang)
        log(bob, "visit", person=zhang, days_ago=3)
        log(bob, "call", person=wang, days_ago=40)
        log(charlie, "email", person=emily, days_ago=1)
        alone = log(alice, "meeting", company=firm, days_ago=2)
        web = lead_create(
            actor=alice, data={"full_name": "李娜", "source": "web", "campaign": "春季"}
        )
        lead_create(actor=bob, data={"full_name": "赵敏", "source": "referral"})
        theirs = lead_create(actor=charlie, data={"full_name": "Ann", "source": "web"})
        won = deal_create(actor=alice, data={"title": "Won", "amount": "100.00"})
        lost = deal_create(actor=charlie, data={"title": "Lost", "amount": "300.00"})
        deal_create(actor=bob, data={"title": "Open", "amount": "50.00"})
        deal_win(actor=alice, deal=won)
        deal_lose(actor=charlie, deal=lost, reason_id=price_reason.pk)
    assert InteractionFact.objects.exists() and LeadFact.objects.exists()
    assert DealCloseFact.objects.count() == 2
    assert_facts_equal_the_records()

    # Updates: an interaction moved to another day and channel, a deal closed on another day
    # (as a data fix does: written, then announced), a lead disqualified, one converted.
    with committed():
        interaction_update(
            actor=alice,
            interaction=call,
            data={
                "channel": "visit",
                "occurred_at": (now - datetime.timedelta(days=20)).isoformat(),
            },
        )
        Deal.objects.filter(pk=won.pk).update(
            closed_at=now - datetime.timedelta(days=9), created_at=now - datetime.timedelta(days=30)
        )
        record_changed("deal", won.pk, "updated", changed_fields=["closed_at"])
        lead_disqualify(actor=charlie, lead=theirs, reason="spam")
        lead_convert(actor=alice, lead=web, create_deal=False)
    assert RecordFactDay.objects.filter(kind="deal", record_id=won.pk).get().day == local_day(
        now - datetime.timedelta(days=9)
    )
    assert_facts_equal_the_records()

    # Cancellations: a deal reopened (it leaves the closed facts), one deleted, an interaction
    # and a lead deleted.
    with committed():
        deal_reopen(actor=charlie, deal=Deal.objects.get(pk=lost.pk))
        deal_delete(actor=alice, deal=Deal.objects.get(pk=won.pk))
        interaction_delete(actor=alice, interaction=alone)
        lead_delete(actor=bob, lead=Lead.objects.get(full_name="赵敏"))
    assert not DealCloseFact.objects.exists()
    assert_facts_equal_the_records()
    with committed():
        deal_win(actor=charlie, deal=Deal.objects.get(pk=lost.pk))
        log(alice, "meeting", company=firm, days_ago=5)
    assert_facts_equal_the_records()

    # Another owner: zhang given to charlie of West; his interactions count under West now.
    with committed():
        person_update(
            actor=admin_user,
            person=zhang,
            data={"owner_id": charlie.pk, "team_id": west.pk},
            version=None,
        )
    assert_facts_equal_the_records()
    assert_widgets_read_what_the_records_say([admin_user, diana, alice, charlie], [east, west])

    # A merge: wang's interactions move to zhang and count under zhang's owner and team.
    with committed():
        person_merge(actor=admin_user, survivor=zhang, other=wang)
    assert_facts_equal_the_records()
    assert_widgets_read_what_the_records_say([admin_user, diana, bob, charlie], [east, west])


def test_a_rebuild_gives_the_facts_the_upkeep_kept_and_the_check_repairs(
    alice, charlie, pipeline, committed
):
    zhang = person_create(actor=alice, data={"full_name": "张伟"})
    with committed():
        interaction_create(actor=alice, data={"channel": "call", "subject": "a"}, person=zhang)
        lead_create(actor=alice, data={"full_name": "李娜", "source": "web"})
        deal_win(
            actor=charlie, deal=deal_create(actor=charlie, data={"title": "W", "amount": "1.00"})
        )
    kept = (stored_interactions(), stored_leads(), stored_deals())
    remembered = set(RecordFactDay.objects.values_list("kind", "record_id", "day"))

    assert activity_facts_rebuild() == {"interaction": 1, "lead": 1, "deal": 1}
    assert (stored_interactions(), stored_leads(), stored_deals()) == kept
    assert set(RecordFactDay.objects.values_list("kind", "record_id", "day")) == remembered

    # Written behind the upkeep's back (no announcement): the check finds it and repairs it.
    Interaction.objects.update(channel="visit")
    assert [key[4] for key, _s, _f in activity_facts_compare()["interaction"]] == [
        "call",
        "visit",
    ]
    with pytest.raises(Exception, match="differ"):
        call_command("rebuild_facts", "--check-only", "--activity-only", stdout=io.StringIO())
    call_command("rebuild_facts", "--check", "--activity-only", stdout=io.StringIO())
    assert activity_facts_compare() == NONE


def test_the_readers_widgets_never_count_what_they_may_not_see(
    alice, charlie, diana, east_person, west_person, committed
):
    with committed():
        interaction_create(
            actor=alice, data={"channel": "call", "subject": "a"}, person=east_person
        )
        interaction_create(
            actor=charlie, data={"channel": "call", "subject": "c"}, person=west_person
        )
        # charlie logs about alice's customer: counted for East's readers, under charlie's name.
        interaction_create(
            actor=charlie, data={"channel": "visit", "subject": "x"}, person=east_person
        )
    filters = DashboardFilters.from_query(start=None, end=None, team_id=None)

    def counted(user):
        return sorted(
            (r["logged_by_id"], r["n"]) for r in SalesSource(user, filters, mine=False).by_rep
        )

    assert counted(diana) == sorted([(alice.pk, 1), (charlie.pk, 1)])
    assert counted(charlie) == [(charlie.pk, 1)]
    assert_widgets_read_what_the_records_say([diana, charlie], [])
