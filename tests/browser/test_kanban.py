"""The deals kanban in a real browser: drag a deal between stages, to won, to lost."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.sales.models import Deal, DealStageChange, DealStatus
from rapport.sales.services.deals import (
    deal_create,
    deal_move_stage,
    lost_reason_create,
    pipeline_get_default,
)
from tests.browser.conftest import drag, log_in, open_board

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def board(alice):
    pipeline = pipeline_get_default()
    stages = {s.name: s for s in pipeline.stages.all()}
    tea = deal_create(actor=alice, data={"title": "龙井茶礼盒 200 套", "amount": "12800.00"})
    deal_create(actor=alice, data={"title": "Office coffee", "amount": "1000.00"})
    return pipeline, stages, tea


def head(page, stage):
    return page.get_by_test_id(f"kanban-head-{stage.pk}")


def test_dragging_a_deal_moves_it_and_updates_the_column_totals(page, alice, board):
    pipeline, stages, tea = board
    log_in(page, "alice")
    open_board(page, pipeline)
    qualification, proposal = stages["Qualification"], stages["Proposal"]
    expect(head(page, qualification).get_by_test_id("column-count")).to_have_text("2")
    expect(head(page, proposal).get_by_test_id("column-count")).to_have_text("0")

    # When alice drags the tea deal from Qualification to Proposal
    card = page.locator(f"#deal-card-{tea.pk}")
    drag(page, card, page.get_by_test_id(f"kanban-cards-{proposal.pk}"))

    # Then both columns' totals follow, without a reload
    expect(head(page, proposal).get_by_test_id("column-count")).to_have_text("1")
    expect(head(page, proposal).get_by_test_id("column-sum")).to_have_text("12,800.00 CNY")
    expect(head(page, qualification).get_by_test_id("column-count")).to_have_text("1")
    expect(page.get_by_test_id(f"kanban-cards-{proposal.pk}").locator(f"#deal-card-{tea.pk}"))
    # And the move is on the deal's history, by alice
    change = DealStageChange.objects.filter(deal=tea).latest("id")
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        qualification,
        proposal,
        alice,
    )
    page.goto(reverse("sales:deal_detail", args=[tea.pk]))
    expect(page.get_by_test_id("deal-stage")).to_have_text("Proposal")
    expect(page.get_by_test_id("stage-change").first).to_contain_text("Qualification → Proposal")


def test_dragging_a_deal_to_won_wins_it(page, alice, board):
    pipeline, stages, tea = board
    log_in(page, "alice")
    open_board(page, pipeline)

    drag(page, page.locator(f"#deal-card-{tea.pk}"), page.get_by_test_id("drop-won"))

    expect(page.get_by_test_id("kanban-notice")).to_have_text("Deal won.")
    expect(page.locator(f"#deal-card-{tea.pk}")).to_have_count(0)
    expect(head(page, stages["Qualification"]).get_by_test_id("column-count")).to_have_text("1")
    tea.refresh_from_db()
    assert (tea.status, tea.stage) == (DealStatus.WON, stages["Won"])


def test_dragging_a_deal_to_lost_asks_for_the_reason(page, alice, admin_user, board):
    pipeline, _stages, tea = board
    lost_reason_create(actor=admin_user, data={"name": "Price too high"})
    log_in(page, "alice")
    open_board(page, pipeline)

    drag(page, page.locator(f"#deal-card-{tea.pk}"), page.get_by_test_id("drop-lost"))
    dialog = page.get_by_test_id("lose-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("field-lost_reason_id").select_option(label="Price too high")
    dialog.get_by_test_id("lose-confirm").click()

    expect(page.get_by_test_id("kanban-notice")).to_have_text("Deal lost.")
    tea.refresh_from_db()
    assert tea.status == DealStatus.LOST
    assert tea.lost_reason.name == "Price too high"


def test_cancelling_the_lost_dialog_puts_the_card_back(page, alice, admin_user, board):
    pipeline, stages, tea = board
    lost_reason_create(actor=admin_user, data={"name": "Price too high"})
    log_in(page, "alice")
    open_board(page, pipeline)

    drag(page, page.locator(f"#deal-card-{tea.pk}"), page.get_by_test_id("drop-lost"))
    page.get_by_test_id("lose-cancel").click()

    column = page.get_by_test_id(f"kanban-cards-{stages['Qualification'].pk}")
    expect(column.locator(f"#deal-card-{tea.pk}")).to_have_count(1)
    assert Deal.objects.get(pk=tea.pk).status == DealStatus.OPEN


def test_a_refused_move_puts_the_card_back_and_says_why(page, alice, bob, board):
    pipeline, stages, tea = board
    log_in(page, "alice")
    open_board(page, pipeline)
    # Given bob moved the deal after alice opened the board (her card carries the old version)
    deal_move_stage(actor=bob, deal=tea, stage=stages["Needs analysis"])

    drag(
        page,
        page.locator(f"#deal-card-{tea.pk}"),
        page.get_by_test_id(f"kanban-cards-{stages['Proposal'].pk}"),
    )

    expect(page.get_by_test_id("kanban-error")).to_contain_text("Someone else changed this deal")
    column = page.get_by_test_id(f"kanban-cards-{stages['Qualification'].pk}")
    expect(column.locator(f"#deal-card-{tea.pk}")).to_have_count(1)
    tea.refresh_from_db()
    assert tea.stage == stages["Needs analysis"]
