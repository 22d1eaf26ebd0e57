"""A hand-made book of alice's (East) customers, leads, deals and survey answers in March and
April 2026, with charlie's (West) order beside it, for the KPI and cohort tests.

Customers, each order through the service (amounts in CNY unless said):
- 王芳 (referral): 10 Jan 100; 5 Mar 200; 20 Mar USD 300; 20 Apr 100 (with 东方贸易 named too);
- 李娜 (web): 15 Feb 100;
- 张伟 (web): 10 Mar 400; 12 Apr 600;
- 东方贸易 (trade show, no person): 2 Apr USD 50;
- 刘洋: 15 Mar 1,000, cancelled (not counted);
- charlie's Emily: 10 Mar 1,000 (West: alice never counts it).

The figures read the per-customer facts, which a job refreshes once an order's change commits:
the book's orders are placed as committed ones, with jobs run at once.
"""

import datetime

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.analytics.dashboards import DashboardFilters
from rapport.customers.services import company_create, person_create
from rapport.sales.models import Deal, DealStatus, Lead
from rapport.sales.services.deals import deal_create, pipeline_get_default
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.services.orders import order_create
from rapport.sales.services.orders.status import order_change_status
from rapport.surveys.models import Invitation, Survey, SurveyKind
from rapport.surveys.services import response_submit


def noon(day: str) -> datetime.datetime:
    """Noon of `day` (ISO) in the current time zone."""
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(12))
    )


def march_april(team_id=None, period="month") -> DashboardFilters:
    return DashboardFilters(
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 4, 30),
        team_id=team_id,
        period=period,
    )


def _order(actor, day, amount, *, person=None, company=None, currency="CNY"):
    data = {
        "placed_at": noon(day).isoformat(),
        "currency": currency,
        "lines": [{"description": "Tea", "quantity": 1, "unit_price": amount}],
    }
    if person is not None:
        data["person_id"] = person.pk
    if company is not None:
        data["company_id"] = company.pk
    return order_create(actor=actor, data=data)


@pytest.fixture(autouse=True)
def jobs_now():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def book(alice, charlie, django_capture_on_commit_callbacks):
    wang = person_create(actor=alice, data={"full_name": "王芳", "source": "referral"})
    li = person_create(actor=alice, data={"full_name": "李娜", "source": "web"})
    zhang = person_create(actor=alice, data={"full_name": "张伟", "source": "web"})
    liu = person_create(actor=alice, data={"full_name": "刘洋", "source": "ads"})
    east = company_create(actor=alice, data={"name": "东方贸易", "source": "trade_show"})
    emily = person_create(actor=charlie, data={"full_name": "Emily Carter", "source": "web"})

    with django_capture_on_commit_callbacks(execute=True):
        _order(alice, "2026-01-10", "100.00", person=wang)
        _order(alice, "2026-03-05", "200.00", person=wang)
        _order(alice, "2026-03-20", "300.00", person=wang, currency="USD")
        _order(alice, "2026-04-20", "100.00", person=wang, company=east)
        _order(alice, "2026-02-15", "100.00", person=li)
        _order(alice, "2026-03-10", "400.00", person=zhang)
        _order(alice, "2026-04-12", "600.00", person=zhang)
        _order(alice, "2026-04-02", "50.00", company=east, currency="USD")
        cancelled = _order(alice, "2026-03-15", "1000.00", person=liu)
        order_change_status(actor=alice, order=cancelled, status="cancelled")
        _order(charlie, "2026-03-10", "1000.00", person=emily)
    return {"wang": wang, "li": li, "zhang": zhang, "east": east, "emily": emily}


@pytest.fixture
def leads(alice, charlie):
    """Created (and converted) on these days: no service sets a past day, so they are set
    after creation. Converted in 10 and 20 days; one open; one from before the range."""
    made = []
    for created, converted, actor in (
        ("2026-03-02", "2026-03-12", alice),
        ("2026-03-20", "2026-04-09", alice),
        ("2026-04-05", None, alice),
        ("2026-02-10", "2026-03-01", alice),
        ("2026-03-03", "2026-03-04", charlie),
    ):
        lead = lead_create(actor=actor, data={"full_name": "Lead", "owner_id": actor.pk})
        Lead.objects.filter(pk=lead.pk).update(
            created_at=noon(created),
            converted_at=noon(converted) if converted else None,
            status="converted" if converted else "new",
        )
        made.append(lead)
    return made


@pytest.fixture
def won_deals(alice, charlie):
    """Won after 69, 30 and 10 days (March, March, April); one lost; charlie's won in 1 day."""
    pipeline = pipeline_get_default()
    for created, closed, status, actor in (
        ("2026-01-01", "2026-03-11", DealStatus.WON, alice),
        ("2026-03-01", "2026-03-31", DealStatus.WON, alice),
        ("2026-04-01", "2026-04-11", DealStatus.WON, alice),
        ("2026-03-01", "2026-03-05", DealStatus.LOST, alice),
        ("2026-03-01", "2026-03-02", DealStatus.WON, charlie),
    ):
        deal = deal_create(
            actor=actor, data={"title": "Deal", "pipeline_id": pipeline.pk, "amount": "100"}
        )
        Deal.objects.filter(pk=deal.pk).update(
            created_at=noon(created), closed_at=noon(closed), status=status
        )


def _answer(kind, score, person, day):
    survey = Survey.objects.filter(kind=kind).first() or Survey.objects.create(
        kind=kind, name=kind.upper(), question_zh="?", question_en="?"
    )
    invitation = Invitation.objects.create(
        survey=survey,
        person=person,
        email="customer@example.com",
        language="en",
        sent_at=noon(day) - datetime.timedelta(days=1),
    )
    return response_submit(invitation=invitation, score=score, now=noon(day))


@pytest.fixture
def answers(book):
    """NPS 10, 9, 7, 3 in March and 2 in April; CSAT 5, 4 in March and 2 in April, all from
    alice's customers; charlie's customer answers NPS 0 in March."""
    wang, zhang = book["wang"], book["zhang"]
    for score, day in ((10, "2026-03-03"), (9, "2026-03-04"), (7, "2026-03-05")):
        _answer(SurveyKind.NPS, score, wang, day)
    _answer(SurveyKind.NPS, 3, zhang, "2026-03-06")
    _answer(SurveyKind.NPS, 2, zhang, "2026-04-06")
    _answer(SurveyKind.CSAT, 5, wang, "2026-03-07")
    _answer(SurveyKind.CSAT, 4, zhang, "2026-03-08")
    _answer(SurveyKind.CSAT, 2, zhang, "2026-04-08")
    _answer(SurveyKind.NPS, 0, book["emily"], "2026-03-09")
