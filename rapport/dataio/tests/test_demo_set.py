"""The demo set (`seed_demo` without sizes), loaded once for the module: every test only reads it.

Loading it takes a while (it goes through the services), so it is loaded in a transaction that
stays open around the module's tests and is rolled back at the end, as `setUpTestData` does.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from rapport.accounts.models import User
from rapport.activities.models import Interaction, Task, TaskStatus
from rapport.customers.models import Company, Employment, Person
from rapport.customers.selectors import CustomerFilters, persons_list
from rapport.dataio.demo.duplicates import COMPANY_PAIRS, PERSON_PAIRS
from rapport.dataio.models import CandidateStatus, DuplicateCandidate
from rapport.dataio.tests.checks import (
    interactions_without_one_timeline_entry,
    money_mismatches,
    status_contradictions,
)
from rapport.knowledge.models import Article, ArticleStatus, ArticleVisibility
from rapport.messaging.models import Message, MessageStatus
from rapport.sales.models import (
    Deal,
    DealStageChange,
    Instalment,
    Lead,
    LeadAssignmentRule,
    LeadForm,
    LeadScoringRule,
    Order,
    Payment,
    Product,
    Quota,
)
from rapport.sales.selectors.currency import exchange_rates_overview
from rapport.sales.selectors.forecast import period_end, quarter_start
from rapport.service.models import (
    AgentProfile,
    AssignmentRule,
    CannedReply,
    MessageKind,
    SlaTarget,
    SlaTargetKind,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from rapport.service.selectors import tickets_visible_to
from rapport.service.selectors_sla import sla_compliance
from rapport.surveys.models import Response, SurveyKind

PASSWORD = "demo-password-123"


@pytest.fixture(scope="module")
def demo_set(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", password=PASSWORD)
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_demo_set_has_bilingual_persons_with_repeated_names_and_timelines(demo_set):
    assert Person.objects.count() >= 300
    assert Person.objects.filter(full_name="张伟").count() > 1
    assert Person.objects.exclude(given_name="").exists()
    assert Interaction.objects.count() >= 1000
    assert interactions_without_one_timeline_entry() == 0
    assert User.objects.get(username="wang.fang").check_password(PASSWORD)


@pytest.mark.django_db
def test_demo_set_has_the_contact_details_other_tools_export(demo_set):
    # Middle names, nicknames, birthdays without a year, departments, and numbers an import
    # kept as written on each owner's first person (the page check opens them).
    assert Person.objects.exclude(middle_name="").exists()
    assert Person.objects.exclude(nickname="").exists()
    yearless = Person.objects.filter(birthday__isnull=True, birth_month__isnull=False)
    assert yearless.exists()
    assert not yearless.filter(birth_day__isnull=True).exists()
    assert not Person.objects.filter(birthday__isnull=False, birth_month__isnull=True).exists()
    assert Employment.objects.exclude(department="").exists()
    owners = Person.objects.values_list("owner_id", flat=True).distinct()
    for owner_id in owners:
        assert Person.objects.filter(owner_id=owner_id).order_by("pk").first().raw_phones


@pytest.mark.django_db
def test_demo_set_has_a_sales_history_with_exact_money(demo_set):
    today = timezone.localdate()
    statuses = dict(Lead.objects.values_list("status").annotate(n=Count("id")).order_by())
    open_stages = Deal.objects.filter(status="open").values("stage").distinct().count()
    assert Product.objects.filter(is_active=True).count() >= 20
    assert LeadForm.objects.exists() and LeadAssignmentRule.objects.exists()
    assert LeadScoringRule.objects.count() >= 3
    assert Lead.objects.count() >= 60
    assert {"new", "contacted", "qualified", "converted", "disqualified"} <= set(statuses)
    assert Lead.objects.filter(status="converted", converted_deal__isnull=False).exists()
    assert Lead.objects.filter(score__gt=0).exists()
    assert Deal.objects.count() >= 100
    assert open_stages >= 4
    assert Deal.objects.filter(status="won").exists()
    assert Deal.objects.filter(status="lost", lost_reason__isnull=False).exists()
    assert not Deal.objects.filter(status="lost", lost_reason__isnull=True).exists()
    assert DealStageChange.objects.filter(seconds_in_previous_stage__gt=86400).exists()
    assert Deal.objects.filter(
        created_at__gte=timezone.now() - timezone.timedelta(days=90)
    ).exists()
    assert Order.objects.count() >= 250
    assert Order.objects.filter(deal__isnull=False).exists()
    assert Order.objects.filter(company__isnull=False).exists()
    assert set(Order.objects.values_list("status", flat=True)) >= {
        "placed",
        "paid",
        "shipped",
        "received",
        "cancelled",
    }
    assert Payment.objects.count() >= 200
    assert Order.objects.annotate(n=Count("instalments")).filter(n__gt=1).exists()
    assert Order.objects.filter(paid_amount__gt=0, paid_amount__lt=F("total")).exists()
    assert Instalment.objects.filter(due_date__lt=today, paid_amount__lt=F("amount")).exists()
    assert money_mismatches() == []
    assert status_contradictions() == 0
    this_quarter = quarter_start(today)
    assert Quota.objects.filter(period_start=this_quarter).exists()
    assert Quota.objects.filter(period_start=period_end("quarter", this_quarter)).exists()
    assert Task.objects.filter(status=TaskStatus.OPEN).exists()


@pytest.mark.django_db
def test_demo_set_persons_are_found_by_pinyin_and_phone_tail(demo_set, admin_user):
    someone = Person.objects.filter(full_name="张伟").first()

    by_pinyin = persons_list(admin_user, CustomerFilters(q="zhangwei"))
    by_initials = persons_list(admin_user, CustomerFilters(q="zw"))
    by_phone = persons_list(admin_user, CustomerFilters(q=someone.primary_phone[-4:]))

    assert someone in by_pinyin
    assert someone in by_initials
    assert someone in by_phone


@pytest.mark.django_db
def test_demo_set_has_duplicate_pairs_waiting_for_review(demo_set):
    queue = {
        (record_type, frozenset(pair))
        for record_type, *pair in DuplicateCandidate.objects.filter(
            status=CandidateStatus.OPEN
        ).values_list("record_type", "first_id", "second_id")
    }
    seeded = {
        (
            "person",
            frozenset(
                Person.objects.filter(full_name__in={a["full_name"], b["full_name"]}).values_list(
                    "pk", flat=True
                )
            ),
        )
        for a, b in PERSON_PAIRS
    } | {
        (
            "company",
            frozenset(
                Company.objects.filter(name__in={a["name"], b["name"]}).values_list("pk", flat=True)
            ),
        )
        for a, b in COMPANY_PAIRS
    }

    assert len(seeded) == 6 and all(len(pair) == 2 for _, pair in seeded)
    assert seeded <= queue


@pytest.mark.django_db
def test_demo_set_shows_stuck_deals_and_data_health_from_the_start(demo_set):
    from rapport.dataio.models import DataHealthSnapshot
    from rapport.sales.models import DealStatus, Stage

    limited = Stage.objects.filter(stale_after_days__isnull=False)
    assert limited.exists()
    stuck = [
        deal
        for deal in Deal.objects.filter(status=DealStatus.OPEN, stage__in=limited).select_related(
            "stage"
        )
        if (timezone.now() - deal.stage_entered_at).days > deal.stage.stale_after_days
    ]
    assert stuck, "the home page's stuck-deals panel would be empty on the demo"
    assert DataHealthSnapshot.objects.exists()


def test_demo_set_converts_its_usd_and_eur_sales(demo_set):
    # Orders and deals in USD and EUR, and a rate for each on every month's first day, so that
    # no total of the demo leaves a currency out as missing
    currencies = set(Order.objects.values_list("currency", flat=True)) | set(
        Deal.objects.values_list("currency", flat=True)
    )
    assert {"CNY", "USD", "EUR"} <= currencies
    overview = exchange_rates_overview()
    assert overview.missing == []
    assert {c.currency for c in overview.currencies if c.in_force} == {"USD", "EUR"}
    foreign = set(Order.objects.exclude(currency="CNY").values_list("number", flat=True))
    assert Order.objects.filter(currency="USD", discount_percent__isnull=False).exists()
    assert [p for p in money_mismatches() if p.split(":")[0] in foreign] == []


@pytest.mark.django_db
def test_demo_set_shows_welcome_mails_in_the_outbox(demo_set):
    # (The task reminder goes through Django's send_mail, which tests send to mail.outbox.)
    in_outbox = Message.objects.filter(status=MessageStatus.IN_OUTBOX)
    assert in_outbox.filter(template__name__startswith="Welcome").count() >= 3
    assert in_outbox.filter(kind="marketing").exclude(headers={}).exists()


@pytest.mark.django_db
def test_demo_set_has_tickets_of_every_type_and_channel_each_seen_by_its_team(demo_set):
    tickets = list(Ticket.objects.select_related("team", "assignee"))
    members = {
        team_id: list(User.objects.filter(team_id=team_id, is_active=True))
        for team_id in {t.team_id for t in tickets}
    }

    assert len(tickets) >= 100
    assert {t.type for t in tickets} == set(TicketType.values)
    assert {t.channel for t in tickets} == set(TicketChannel.values)
    assert {t.language for t in tickets} == {"zh-hans", "en"}
    assert len({t.team_id for t in tickets}) >= 4
    assert all(t.assignee.team_id == t.team_id for t in tickets)
    for ticket in tickets:
        for member in members[ticket.team_id]:
            assert tickets_visible_to(member).filter(pk=ticket.pk).exists()
    assert Ticket.objects.filter(created_at__lt=timezone.now() - timedelta(days=90)).exists()


@pytest.mark.django_db
def test_demo_set_tickets_have_conversations_and_consistent_statuses(demo_set):
    kinds = set(TicketMessage.objects.values_list("kind", flat=True))
    complaints = Ticket.objects.filter(type=TicketType.COMPLAINT, status=TicketStatus.CLOSED)

    assert kinds == set(MessageKind.values)
    assert not Ticket.objects.filter(messages__isnull=True).exists()
    assert Ticket.objects.filter(status=TicketStatus.REOPENED).exists()
    assert Ticket.objects.filter(status=TicketStatus.NEW).exists()
    assert complaints.exists()
    assert not complaints.filter(Q(root_cause="") | Q(resolution="")).exists()
    assert not Ticket.objects.filter(
        status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED), resolved_at__isnull=True
    ).exists()
    assert not Ticket.objects.filter(first_responded_at__lt=F("created_at")).exists()
    assert not TicketMessage.objects.filter(created_at__lt=F("ticket__created_at")).exists()
    assert CannedReply.objects.count() >= 2
    assert TicketCategory.objects.filter(parent__isnull=False).exists()
    assert AssignmentRule.objects.exists()
    assert AgentProfile.objects.exclude(skills=[]).count() >= 4


@pytest.mark.django_db
def test_demo_set_has_a_bilingual_help_centre_public_and_internal(demo_set):
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)

    assert Article.objects.count() >= 60
    assert published.filter(visibility=ArticleVisibility.PUBLIC).exists()
    assert published.filter(visibility=ArticleVisibility.INTERNAL).exists()
    assert not Article.objects.annotate(n=Count("translations")).filter(n__lt=2).exists()


@pytest.mark.django_db
def test_demo_set_survey_answers_follow_resolved_tickets_over_months(demo_set):
    csat = Response.objects.filter(kind=SurveyKind.CSAT).select_related("ticket")
    nps = Response.objects.filter(kind=SurveyKind.NPS)
    months = {r.answered_at.strftime("%Y-%m") for r in Response.objects.all()}

    assert csat.count() >= 20
    assert nps.count() >= 20
    assert all(
        r.ticket.resolved_at is not None or r.ticket.status == TicketStatus.REOPENED for r in csat
    )
    assert all(r.answered_at >= r.ticket.created_at for r in csat)
    assert len(months) >= 4
    detractors = [r for r in Response.objects.all() if r.is_detractor]
    assert detractors
    assert all(r.detractor_task_id is not None for r in detractors)
    assert Task.objects.filter(pk__in=[r.detractor_task_id for r in detractors]).count() == len(
        detractors
    )
    # Each call-back was due the day after its answer (months ago for the old rounds).
    assert all(
        timedelta(0) < r.detractor_task.due_at - r.answered_at <= timedelta(days=1)
        for r in detractors
    )


@pytest.mark.django_db
def test_demo_set_tickets_have_service_levels_met_and_missed(demo_set):
    # The SLA report and the dashboard show a history: past targets met or late as the
    # tickets' times were, open ones running or already escalated by the check.
    targets = SlaTarget.objects.all()
    assert Ticket.objects.filter(sla_targets__isnull=True).count() == 0
    assert targets.filter(met_at__isnull=False, breached_at__isnull=True).exists()
    assert targets.filter(met_at__isnull=False, breached_at__isnull=False).exists()
    assert {t.kind for t in targets} == {SlaTargetKind.FIRST_RESPONSE, SlaTargetKind.RESOLUTION}
    # Running, not paused for the customer, and due an hour ago (before the demo was loaded,
    # so its check saw them).
    late_open = targets.filter(
        stopped_at__isnull=True,
        paused_at__isnull=True,
        due_at__lt=timezone.now() - timedelta(hours=1),
    )
    assert late_open.exists()
    assert all(t.escalated_at is not None for t in late_open)
    months = sla_compliance(
        Ticket.objects.all(), start=timezone.now() - timedelta(days=180), end=timezone.now()
    )
    assert sum(row["met"] for row in months) > 0
