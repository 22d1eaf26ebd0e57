"""Writes to deals: create, update, move, win, lose, reopen, delete, and bad input."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.activities.models import TimelineEntry
from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.events import subscribe
from rapport.sales.events import DealWon
from rapport.sales.models import Deal, DealLine, DealStageChange, DealStatus, Pipeline, Priority
from rapport.sales.services.deals import (
    DealClosed,
    InUse,
    deal_create,
    deal_delete,
    deal_lose,
    deal_move_stage,
    deal_reopen,
    deal_update,
    deal_win,
    derive_priority,
    lost_reason_delete,
    pipeline_create,
    pipeline_delete,
    pipeline_get_default,
    stage_create,
    stage_delete,
    stage_reorder,
    stage_update,
)
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)

ROW_MODELS = (Deal, DealLine, DealStageChange, TimelineEntry)


def _row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROW_MODELS}


def _fails_without_saving(actor, data) -> ValidationFailed:
    before = _row_counts()
    with pytest.raises(ValidationFailed) as excinfo:
        deal_create(actor=actor, data=data)
    assert _row_counts() == before
    return excinfo.value


# --- Create -------------------------------------------------------------------------------------


def test_deal_with_only_a_title_lands_in_the_default_pipelines_first_stage(alice):
    deal = deal_create(actor=alice, data={"title": "年度茶叶采购"})

    default = Pipeline.objects.get(is_default=True)
    assert deal.pipeline == default
    assert deal.stage.name == "Qualification"
    assert deal.probability == 10
    assert deal.currency == "CNY"
    assert deal.amount == Decimal("0")
    assert deal.owner == alice
    assert deal.team == alice.team
    assert deal.status == DealStatus.OPEN


def test_default_pipeline_has_four_open_stages_then_won_and_lost(db):
    pipeline = pipeline_get_default()

    stages = [(s.name, s.probability, s.kind) for s in pipeline.stages.order_by("position")]
    assert stages == [
        ("Qualification", 10, "open"),
        ("Needs analysis", 25, "open"),
        ("Proposal", 50, "open"),
        ("Negotiation", 75, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]


def test_default_pipeline_is_created_once(db):
    first = pipeline_get_default()

    assert pipeline_get_default() == first
    assert Pipeline.objects.count() == 1


def test_creating_a_deal_records_its_first_stage_without_a_previous_one(alice):
    deal = deal_create(actor=alice, data={"title": "年度茶叶采购"})

    change = DealStageChange.objects.get(deal=deal)
    assert change.from_stage is None
    assert change.to_stage == deal.stage
    assert change.changed_by == alice


def test_creating_a_deal_puts_it_on_the_person_and_company_timeline(
    alice, east_person, east_company
):
    deal = deal_create(
        actor=alice,
        data={"title": "年度茶叶采购", "person_id": east_person.pk, "company_id": east_company.pk},
    )

    entry = TimelineEntry.objects.get(kind="deal.created")
    assert (entry.person_id, entry.company_id) == (east_person.pk, east_company.pk)
    assert (entry.source_type, entry.source_id) == ("deal", deal.pk)
    assert entry.display_title == "Deal created: 年度茶叶采购"


def test_amount_is_taken_as_an_exact_decimal(alice):
    deal = deal_create(actor=alice, data={"title": "A", "amount": "12800.10"})

    deal.refresh_from_db()
    assert deal.amount == Decimal("12800.10")


def test_a_float_amount_is_read_through_its_text_not_binary_arithmetic(alice):
    deal = deal_create(actor=alice, data={"title": "A", "amount": 0.1})

    assert deal.amount == Decimal("0.10")


def test_amount_defaults_to_the_total_of_the_lines(alice, product):
    deal = deal_create(
        actor=alice,
        data={
            "title": "礼盒",
            "lines": [
                {"product_id": product.pk, "quantity": 3},
                {"product_id": product.pk, "quantity": 1, "unit_price": "400", "discount": "50"},
            ],
        },
    )

    # 3 × 388 + (400 − 50)
    assert deal.amount == Decimal("1514.00")
    assert deal.lines.count() == 2


def test_given_amount_wins_over_the_lines_total(alice, product):
    deal = deal_create(
        actor=alice,
        data={"title": "礼盒", "amount": "1000", "lines": [{"product_id": product.pk}]},
    )

    assert deal.amount == Decimal("1000.00")


@pytest.mark.parametrize(
    ("intent", "budget", "urgency", "priority"),
    [
        ("high", "high", "medium", Priority.HIGH),
        ("high", "high", "high", Priority.HIGH),
        ("medium", "medium", "medium", Priority.MEDIUM),
        ("high", "low", "medium", Priority.MEDIUM),
        ("low", "low", "medium", Priority.LOW),
        ("low", "low", "low", Priority.LOW),
    ],
)
def test_priority_follows_intent_budget_and_urgency(intent, budget, urgency, priority):
    assert derive_priority(intent, budget, urgency) == priority


def test_created_deal_gets_the_derived_priority(alice):
    deal = deal_create(
        actor=alice,
        data={"title": "A", "purchase_intent": "high", "budget_status": "high", "urgency": "high"},
    )

    assert deal.priority == Priority.HIGH


def test_probability_defaults_to_the_stage_and_may_be_given(alice, stages):
    deal = deal_create(
        actor=alice, data={"title": "A", "stage_id": stages["proposal"].pk, "probability": 60}
    )

    assert deal.probability == 60


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "A", "amount": "-1"}, "amount"),
        ({"title": "A", "amount": "12.345"}, "amount"),
        ({"title": "A", "amount": "lots"}, "amount"),
        ({"title": "A", "amount": "NaN"}, "amount"),
        ({"title": "A", "amount": "1e13"}, "amount"),
        ({"title": "A", "currency": "yuan"}, "currency"),
        ({"title": "A", "probability": 101}, "probability"),
        ({"title": "A", "urgency": "extreme"}, "urgency"),
        ({"title": "A", "expected_close_date": "next week"}, "expected_close_date"),
        ({"title": "A", "owner_id": 999999}, "owner_id"),
        ({"title": "A", "pipeline_id": 999999}, "pipeline_id"),
        ({"title": "A", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(alice, pipeline, data, field):
    error = _fails_without_saving(alice, data)

    assert field in error.details


def test_stage_of_another_pipeline_is_refused(alice, admin_user, pipeline):
    other = pipeline_create(actor=admin_user, data={"name": "Distributors"})

    error = _fails_without_saving(
        alice,
        {"title": "A", "pipeline_id": pipeline.pk, "stage_id": other.stages.first().pk},
    )

    assert "stage_id" in error.details


def test_a_new_deal_cannot_start_won(alice, stages):
    error = _fails_without_saving(alice, {"title": "A", "stage_id": stages["won"].pk})

    assert "stage_id" in error.details


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"product_id": 999999}, "lines.0.product_id"),
        ({"quantity": 0}, "lines.0.quantity"),
        ({"unit_price": "-5"}, "lines.0.unit_price"),
        ({"discount": "-1"}, "lines.0.discount"),
        ({"quantity": 1, "discount": "400"}, "lines.0.discount"),
    ],
)
def test_bad_lines_are_refused(alice, product, line, field):
    error = _fails_without_saving(
        alice, {"title": "A", "lines": [{"product_id": product.pk, **line}]}
    )

    assert field in error.details


def test_deal_for_a_person_you_cannot_see_is_not_found(charlie, east_person, pipeline):
    before = _row_counts()

    with pytest.raises(NotFound):
        deal_create(actor=charlie, data={"title": "A", "person_id": east_person.pk})

    assert _row_counts() == before


def test_deal_for_a_company_you_cannot_see_is_not_found(charlie, east_company, pipeline):
    with pytest.raises(NotFound):
        deal_create(actor=charlie, data={"title": "A", "company_id": east_company.pk})


def test_rep_cannot_give_a_deal_to_another_team(alice, charlie, pipeline):
    error = _fails_without_saving(alice, {"title": "A", "owner_id": charlie.pk})

    assert "owner_id" in error.details


def test_deal_given_to_a_colleague_belongs_to_their_team(alice, bob):
    deal = deal_create(actor=alice, data={"title": "A", "owner_id": bob.pk})

    assert (deal.owner, deal.team) == (bob, bob.team)


# --- Update -------------------------------------------------------------------------------------


def test_update_changes_only_the_fields_given_and_bumps_the_version(alice):
    deal = deal_create(actor=alice, data={"title": "A", "amount": "100", "notes": "first"})

    deal = deal_update(actor=alice, deal=deal, data={"amount": "250.50"}, version=1)

    assert deal.amount == Decimal("250.50")
    assert deal.notes == "first"
    assert deal.version == 2


def test_update_with_a_stale_version_is_a_conflict(alice, bob):
    deal = deal_create(actor=alice, data={"title": "A"})
    deal_update(actor=bob, deal=deal, data={"title": "B"}, version=1)

    with pytest.raises(Conflict):
        deal_update(actor=alice, deal=deal, data={"title": "C"}, version=1)

    deal.refresh_from_db()
    assert deal.title == "B"


def test_update_cannot_change_the_stage(alice, stages):
    deal = deal_create(actor=alice, data={"title": "A"})

    with pytest.raises(ValidationFailed) as excinfo:
        deal_update(actor=alice, deal=deal, data={"stage_id": stages["proposal"].pk})

    assert "stage_id" in excinfo.value.details


def test_update_recomputes_priority(alice):
    deal = deal_create(actor=alice, data={"title": "A"})

    deal = deal_update(
        actor=alice, deal=deal, data={"purchase_intent": "low", "budget_status": "low"}
    )

    assert deal.priority == Priority.LOW


# --- Moves --------------------------------------------------------------------------------------


def test_moving_a_deal_records_who_when_and_how_long_it_sat(alice, bob, stages):
    deal = deal_create(actor=alice, data={"title": "A"})
    Deal.objects.filter(pk=deal.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(hours=5)
    )
    deal.refresh_from_db()

    deal = deal_move_stage(actor=bob, deal=deal, stage=stages["proposal"])

    change = DealStageChange.objects.filter(deal=deal).latest("id")
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        stages["qualification"],
        stages["proposal"],
        bob,
    )
    assert 5 * 3600 <= change.seconds_in_previous_stage < 5 * 3600 + 60
    assert deal.probability == 50
    assert timezone.now() - deal.stage_entered_at < datetime.timedelta(minutes=1)


def test_moving_a_deal_adds_a_stage_change_to_the_timeline(alice, east_person, stages):
    deal = deal_create(actor=alice, data={"title": "A", "person_id": east_person.pk})

    deal_move_stage(actor=alice, deal=deal, stage=stages["proposal"])

    entry = TimelineEntry.objects.get(kind="deal.stage_changed")
    assert entry.person_id == east_person.pk
    assert entry.display_title == "Deal “A” moved from Qualification to Proposal"


def test_moving_resets_the_stale_task_marker(alice, stages):
    deal = deal_create(actor=alice, data={"title": "A"})
    Deal.objects.filter(pk=deal.pk).update(stale_task_created_at=timezone.now())
    deal.refresh_from_db()

    deal = deal_move_stage(actor=alice, deal=deal, stage=stages["proposal"])

    assert deal.stale_task_created_at is None


def test_a_deal_cannot_move_to_another_pipelines_stage(alice, admin_user, pipeline):
    other = pipeline_create(actor=admin_user, data={"name": "Distributors"})
    deal = deal_create(actor=alice, data={"title": "A"})

    with pytest.raises(ValidationFailed) as excinfo:
        deal_move_stage(actor=alice, deal=deal, stage=other.stages.first())

    assert "stage_id" in excinfo.value.details
    assert DealStageChange.objects.filter(deal=deal).count() == 1


def test_a_move_with_a_stale_version_is_a_conflict(alice, bob, stages):
    deal = deal_create(actor=alice, data={"title": "A"})
    deal_move_stage(actor=bob, deal=deal, stage=stages["proposal"], version=1)

    with pytest.raises(Conflict):
        deal_move_stage(actor=alice, deal=deal, stage=stages["negotiation"], version=1)


def test_moving_to_the_won_stage_wins_the_deal(alice, stages):
    deal = deal_create(actor=alice, data={"title": "A"})

    deal = deal_move_stage(actor=alice, deal=deal, stage=stages["won"])

    assert (deal.status, deal.probability) == (DealStatus.WON, 100)
    assert deal.closed_at is not None


def test_moving_to_the_lost_stage_needs_a_reason(alice, stages):
    deal = deal_create(actor=alice, data={"title": "A"})

    with pytest.raises(ValidationFailed) as excinfo:
        deal_move_stage(actor=alice, deal=deal, stage=stages["lost"])

    assert "lost_reason_id" in excinfo.value.details
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN


def test_a_closed_deal_does_not_move(alice, stages):
    deal = deal_win(actor=alice, deal=deal_create(actor=alice, data={"title": "A"}))

    with pytest.raises(DealClosed):
        deal_move_stage(actor=alice, deal=deal, stage=stages["proposal"])

    deal.refresh_from_db()
    assert deal.stage == stages["won"]


# --- Win, lose, reopen --------------------------------------------------------------------------


def test_winning_publishes_deal_won_and_words_the_timeline(alice, east_person):
    received = []
    subscribe(DealWon)(received.append)
    deal = deal_create(
        actor=alice, data={"title": "A", "amount": "5000", "person_id": east_person.pk}
    )

    deal_win(actor=alice, deal=deal, note="签约")

    assert DealWon(deal_id=deal.pk, actor_id=alice.pk) in received
    entry = TimelineEntry.objects.get(kind="deal.won")
    assert entry.display_title == "Deal won: A (5,000.00 CNY)"


def test_losing_keeps_the_reason_and_note(alice, east_person, price_reason):
    deal = deal_create(actor=alice, data={"title": "A", "person_id": east_person.pk})

    deal = deal_lose(actor=alice, deal=deal, reason_id=price_reason.pk, note="预算不够")

    assert (deal.status, deal.lost_reason, deal.close_note) == (
        DealStatus.LOST,
        price_reason,
        "预算不够",
    )
    assert deal.probability == 0
    entry = TimelineEntry.objects.get(kind="deal.lost")
    assert entry.display_title == "Deal lost: A (Price too high)"


def test_losing_without_a_reason_is_refused(alice):
    deal = deal_create(actor=alice, data={"title": "A"})

    with pytest.raises(ValidationFailed):
        deal_lose(actor=alice, deal=deal, reason_id=None)


def test_a_won_deal_cannot_be_lost(alice, price_reason):
    deal = deal_win(actor=alice, deal=deal_create(actor=alice, data={"title": "A"}))

    with pytest.raises(DealClosed):
        deal_lose(actor=alice, deal=deal, reason_id=price_reason.pk)


def test_reopening_returns_the_deal_to_the_stage_it_was_closed_from(alice, stages, price_reason):
    deal = deal_create(actor=alice, data={"title": "A"})
    deal = deal_move_stage(actor=alice, deal=deal, stage=stages["negotiation"])
    deal = deal_lose(actor=alice, deal=deal, reason_id=price_reason.pk)

    deal = deal_reopen(actor=alice, deal=deal)

    assert (deal.status, deal.stage, deal.probability) == (
        DealStatus.OPEN,
        stages["negotiation"],
        75,
    )
    assert (deal.lost_reason, deal.closed_at) == (None, None)


def test_reopening_an_open_deal_is_refused(alice):
    deal = deal_create(actor=alice, data={"title": "A"})

    with pytest.raises(Exception) as excinfo:
        deal_reopen(actor=alice, deal=deal)

    assert excinfo.value.code == "deal_open"


def test_deleting_a_deal_removes_its_lines_and_history(alice, product):
    deal = deal_create(actor=alice, data={"title": "A", "lines": [{"product_id": product.pk}]})

    deal_delete(actor=alice, deal=deal)

    assert not Deal.objects.exists()
    assert not DealLine.objects.exists()
    assert not DealStageChange.objects.exists()


# --- Pipelines, stages, lost reasons -------------------------------------------------------------


def test_only_administrators_create_pipelines(alice):
    with pytest.raises(PermissionDenied):
        pipeline_create(actor=alice, data={"name": "Distributors"})


def test_pipeline_needs_one_won_and_one_lost_stage(admin_user):
    with pytest.raises(ValidationFailed) as excinfo:
        pipeline_create(
            actor=admin_user,
            data={"name": "X", "stages": [{"name": "Talk", "probability": 20}]},
        )

    assert "stages" in excinfo.value.details
    assert not Pipeline.objects.filter(name="X").exists()


def test_a_new_default_pipeline_takes_over_the_default(admin_user, pipeline):
    other = pipeline_create(actor=admin_user, data={"name": "Distributors", "is_default": True})

    pipeline.refresh_from_db()
    assert other.is_default and not pipeline.is_default
    assert pipeline_get_default() == other


def test_a_pipeline_with_deals_cannot_be_deleted(alice, admin_user, pipeline):
    deal_create(actor=alice, data={"title": "A"})

    with pytest.raises(InUse):
        pipeline_delete(actor=admin_user, pipeline=pipeline)


def test_an_empty_pipeline_can_be_deleted(admin_user):
    other = pipeline_create(actor=admin_user, data={"name": "Distributors"})

    pipeline_delete(actor=admin_user, pipeline=other)

    assert not Pipeline.objects.filter(pk=other.pk).exists()


def test_new_open_stage_goes_after_the_last_open_one(admin_user, pipeline):
    stage = stage_create(
        actor=admin_user, pipeline=pipeline, data={"name": "Contract", "probability": 90}
    )

    names = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert names.index("Contract") == 4
    assert stage.position == 4


def test_a_second_won_stage_is_refused(admin_user, pipeline):
    with pytest.raises(ValidationFailed) as excinfo:
        stage_create(actor=admin_user, pipeline=pipeline, data={"name": "Won again", "kind": "won"})

    assert "kind" in excinfo.value.details


def test_a_stage_with_deals_cannot_be_deleted(alice, admin_user, stages):
    deal_create(actor=alice, data={"title": "A"})

    with pytest.raises(InUse):
        stage_delete(actor=admin_user, stage=stages["qualification"])


def test_an_unused_stage_can_be_deleted_and_the_rest_renumbered(admin_user, pipeline, stages):
    stage_delete(actor=admin_user, stage=stages["needs_analysis"])

    positions = list(pipeline.stages.order_by("position").values_list("position", flat=True))
    assert positions == [0, 1, 2, 3, 4]


def test_stage_update_sets_stale_days(admin_user, stages):
    stage = stage_update(actor=admin_user, stage=stages["proposal"], data={"stale_after_days": 7})

    assert stage.stale_after_days == 7


def test_reorder_needs_every_stage_once(admin_user, pipeline, stages):
    with pytest.raises(ValidationFailed):
        stage_reorder(actor=admin_user, pipeline=pipeline, stage_ids=[stages["won"].pk])


def test_a_used_lost_reason_cannot_be_deleted(alice, admin_user, price_reason):
    deal_lose(
        actor=alice, deal=deal_create(actor=alice, data={"title": "A"}), reason_id=price_reason.pk
    )

    with pytest.raises(InUse):
        lost_reason_delete(actor=admin_user, reason=price_reason)
