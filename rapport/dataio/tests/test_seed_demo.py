import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from rapport.activities.models import Interaction, TimelineEntry
from rapport.customers.models import (
    Company,
    Person,
    PersonEmail,
    PersonPhone,
    PersonSearchTerm,
)
from rapport.customers.selectors import CustomerFilters, persons_list
from rapport.customers.validation import normalize_phone
from rapport.dataio.demo.bulk_sales import LOADED_MODELS as SALES_MODELS
from rapport.dataio.demo.bulk_sales import bulk_sales_load
from rapport.dataio.tests.checks import (
    customer_mismatches,
    interactions_without_one_timeline_entry,
    money_mismatches,
    status_contradictions,
)
from rapport.sales.models import (
    Deal,
    DealStageChange,
    Instalment,
    Lead,
    LeadScoringRule,
    Order,
    OrderLine,
    Payment,
    StageKind,
)
from rapport.sales.models.leads import LeadEvent
from rapport.sales.services.leads import lead_score_compute
from rapport.sales.services.leads.scoring import INTERACTION_KINDS


@pytest.mark.django_db
def test_seeding_refuses_a_database_that_has_persons(alice):
    call_command("seed_demo", persons=5, interactions=0, users=2)

    with pytest.raises(CommandError):
        call_command("seed_demo", persons=5, interactions=0, users=2)


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_writes_what_the_services_would(admin_user):
    call_command("seed_demo", persons=300, interactions=1500, companies=20, users=6)

    person = Person.objects.filter(given_name="").order_by("pk").first()
    assert Person.objects.count() == 300
    assert Interaction.objects.count() == 1500
    assert interactions_without_one_timeline_entry() == 0
    assert TimelineEntry.objects.filter(kind="record.created", person__isnull=False).count() == 300
    assert PersonPhone.objects.filter(person=person, number=person.primary_phone).exists()
    assert PersonEmail.objects.filter(person=person, email=person.primary_email).exists()
    assert person in persons_list(admin_user, CustomerFilters(q=_pinyin(person.full_name)))
    assert person in persons_list(admin_user, CustomerFilters(q=person.primary_phone[-4:]))


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_phone_numbers_are_valid():
    call_command("seed_demo", persons=400, interactions=0, companies=5, users=2)

    numbers = list(PersonPhone.objects.values_list("number", flat=True))

    assert [normalize_phone(n) for n in numbers] == numbers


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_search_terms_match_a_rebuild_by_the_service():
    from rapport.customers.services import person_rebuild_search_terms

    call_command("seed_demo", persons=50, interactions=0, companies=5, users=2)
    person = Person.objects.order_by("pk").last()
    loaded = set(PersonSearchTerm.objects.filter(person=person).values_list("term", flat=True))

    person_rebuild_search_terms(person)

    rebuilt = set(PersonSearchTerm.objects.filter(person=person).values_list("term", flat=True))
    assert loaded == rebuilt


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_append_adds_to_existing_data():
    call_command("seed_demo", persons=20, interactions=40, companies=5, users=2)

    call_command("seed_demo", persons=20, interactions=40, companies=5, users=2, append=True)

    assert Person.objects.count() == 40
    assert interactions_without_one_timeline_entry() == 0


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name))


# --- Bulk mode: sales data -----------------------------------------------------------------------


def _index_names() -> dict[str, set[str]]:
    """Index and foreign-key constraint names of the sales tables, as the database has them."""
    names = {}
    with connection.cursor() as cursor:
        for model in SALES_MODELS:
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            names[table] = {
                name
                for name, info in constraints.items()
                if (info["index"] or info["foreign_key"]) and not info["primary_key"]
            }
    return names


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_sales_money_adds_up_and_orders_follow_their_customer():
    call_command(
        "seed_demo",
        persons=300,
        companies=20,
        interactions=0,
        leads=150,
        deals=200,
        orders=600,
        users=6,
    )

    assert (Lead.objects.count(), Deal.objects.count(), Order.objects.count()) == (150, 200, 600)
    assert OrderLine.objects.count() >= 600
    assert Instalment.objects.count() >= 600
    assert Payment.objects.exists()
    assert money_mismatches() == []
    assert status_contradictions() == 0
    assert customer_mismatches() == 0
    assert Order.objects.filter(company__isnull=False).exists()
    assert Order.objects.filter(deal__status="won").exists()
    assert not Order.objects.filter(deal__isnull=False).exclude(deal__status="won").exists()


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_sales_puts_back_the_indexes_the_migrations_define():
    before = _index_names()

    call_command("seed_demo", persons=50, interactions=0, leads=20, deals=30, orders=40, users=2)

    assert _index_names() == before
    assert "order_person_idx" in before["sales_order"]
    assert "deal_stage_idx" in before["sales_deal"]


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_open_deals_fill_every_open_stage_with_their_history():
    call_command("seed_demo", persons=100, interactions=0, deals=300, open_deals=80, users=4)

    open_stages = set(
        Deal.objects.first()
        .pipeline.stages.filter(kind=StageKind.OPEN)
        .values_list("pk", flat=True)
    )
    per_stage = dict(
        Deal.objects.filter(status="open").values_list("stage").annotate(n=Count("id")).order_by()
    )
    changes = dict(DealStageChange.objects.values_list("deal").annotate(n=Count("id")).order_by())
    last_stage = {}
    for deal_id, stage_id in DealStageChange.objects.order_by("changed_at", "id").values_list(
        "deal_id", "to_stage_id"
    ):
        last_stage[deal_id] = stage_id
    assert sum(per_stage.values()) == 80
    assert set(per_stage) == open_stages
    assert Deal.objects.exclude(status="open").filter(closed_at__isnull=True).count() == 0
    assert Deal.objects.filter(status="lost", lost_reason__isnull=True).count() == 0
    assert all(changes[d.pk] == d.version for d in Deal.objects.all())
    assert all(last_stage[d.pk] == d.stage_id for d in Deal.objects.all())
    assert not DealStageChange.objects.filter(seconds_in_previous_stage__lt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_lead_scores_are_what_the_scoring_rules_give():
    call_command("seed_demo", persons=50, interactions=0, leads=120, users=4)
    rules = list(LeadScoringRule.objects.filter(is_active=True).order_by("position", "pk"))
    touches = dict(
        LeadEvent.objects.filter(kind__in=INTERACTION_KINDS)
        .values_list("lead")
        .annotate(n=Count("id"))
        .order_by()
    )

    recomputed = {
        lead.pk: lead_score_compute(lead, rules, interactions=touches.get(lead.pk, 0))
        for lead in Lead.objects.all()
    }

    assert rules
    assert {
        pk: (lead.score, lead.score_reasons) for pk, lead in Lead.objects.in_bulk().items()
    } == recomputed
    assert Lead.objects.filter(score__gt=0).exists()
    assert not Lead.objects.filter(status="converted", converted_deal__isnull=False).exists()
    assert Lead.objects.filter(status="converted", converted_person__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_sales_append_to_the_persons_already_there():
    call_command("seed_demo", persons=80, interactions=0, companies=5, users=3)
    persons = set(Person.objects.values_list("pk", flat=True))

    with pytest.raises(CommandError):
        call_command("seed_demo", orders=10, users=3)
    call_command("seed_demo", leads=30, deals=40, orders=120, users=3, append=True)

    assert set(Person.objects.values_list("pk", flat=True)) == persons
    assert Company.objects.count() == 5
    assert Order.objects.count() == 120
    assert set(Order.objects.exclude(person=None).values_list("person_id", flat=True)) <= persons
    assert Deal.objects.filter(lead__isnull=False).exists()
    assert money_mismatches() == []
    assert customer_mismatches() == 0


@pytest.mark.django_db(transaction=True)
def test_bulk_mode_sales_rows_generated_in_a_second_process_are_all_written():
    call_command("seed_demo", persons=60, interactions=0, companies=5, users=3)

    result = bulk_sales_load(
        leads=40, deals=50, orders=12_000, users=3, parallel=True, progress=lambda line: None
    )

    assert (result.leads, result.deals, result.orders) == (40, 50, 12_000)
    assert Order.objects.count() == 12_000
    assert Payment.objects.count() == result.payments
    assert money_mismatches() == []
    assert customer_mismatches() == 0


@pytest.mark.django_db
def test_bulk_mode_deals_and_orders_need_customers():
    with pytest.raises(CommandError):
        call_command("seed_demo", deals=10, users=2)
