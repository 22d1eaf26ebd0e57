"""Report pages use the width: on a laptop every column of the funnel and lost-reason tables is
visible inside its card; on a phone the table keeps its columns and scrolls inside the card
instead of widening the page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.customers.services import company_create
from rapport.sales.services.deals import (
    deal_create,
    deal_lose,
    deal_move_stage,
    lost_reason_create,
    pipeline_get_default,
)
from rapport.sales.services.orders import order_create
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORTS = [
    ("sales:funnel", "funnel-table"),
    ("sales:lost_reasons_report", "lost-reasons"),
]


@pytest.fixture
def deals(alice, admin_user):
    pipeline = pipeline_get_default()
    stages = {s.name: s for s in pipeline.stages.all()}
    reason = lost_reason_create(
        actor=admin_user, data={"name": "Price too high against the competitor's offer"}
    )
    for i in range(3):
        deal = deal_create(actor=alice, data={"title": f"Tea {i}", "amount": "1207014.00"})
        deal_move_stage(actor=alice, deal=deal, stage=stages["Proposal"])
    lost = deal_create(actor=alice, data={"title": "Coffee", "amount": "200000.00"})
    deal_lose(actor=alice, deal=lost, reason_id=reason.pk)


def _boxes(page, testid):
    """The table's scroll container and the right/left edges of its column headers."""
    return page.evaluate(
        """(testid) => {
            const table = document.querySelector(`[data-testid="${testid}"]`);
            const wrap = table.closest('.table-scroll');
            const w = wrap.getBoundingClientRect();
            return {
                wrap: {left: w.left, right: w.right, scrollWidth: wrap.scrollWidth,
                       clientWidth: wrap.clientWidth,
                       overflowX: getComputedStyle(wrap).overflowX},
                headers: [...table.querySelectorAll('thead th')].map(th => {
                    const r = th.getBoundingClientRect();
                    return {text: th.textContent.trim(), left: r.left, right: r.right,
                            width: r.width, visible: getComputedStyle(th).display !== 'none'};
                }),
                pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
            };
        }""",
        testid,
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_report_tables_show_every_column_at_laptop_width(page, alice, deals, language):
    alice.language = language
    alice.save(update_fields=["language"])
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "alice")
    for url_name, testid in REPORTS:
        page.goto(reverse(url_name))
        expect(page.get_by_test_id(testid)).to_be_visible()

        boxes = _boxes(page, testid)

        assert boxes["pageOverflow"] <= 0, url_name
        # Nothing to scroll to: the whole table fits its card.
        assert boxes["wrap"]["scrollWidth"] <= boxes["wrap"]["clientWidth"], (url_name, boxes)
        assert len(boxes["headers"]) >= 3
        for th in boxes["headers"]:
            assert th["visible"] and th["width"] > 0, (url_name, th)
            assert boxes["wrap"]["left"] - 1 <= th["left"], (url_name, th)
            assert th["right"] <= boxes["wrap"]["right"] + 1, (url_name, th)


def test_report_tables_scroll_inside_their_card_on_a_phone(page, alice, deals):
    log_in(page, "alice")
    page.set_viewport_size({"width": 390, "height": 844})
    for url_name, testid in REPORTS:
        page.goto(reverse(url_name))
        table = page.get_by_test_id(testid)
        expect(table).to_be_attached()

        boxes = _boxes(page, testid)

        # The page itself does not scroll sideways; the table's card does.
        assert boxes["pageOverflow"] <= 0, (url_name, boxes)
        assert boxes["wrap"]["overflowX"] == "auto"
        assert boxes["wrap"]["scrollWidth"] > boxes["wrap"]["clientWidth"], (url_name, boxes)
        # The table keeps its header row (it does not turn into cards on a phone).
        assert all(th["visible"] for th in boxes["headers"]), (url_name, boxes)
        # And the last column can be scrolled into view inside the card.
        last = table.locator("thead th").last
        last.scroll_into_view_if_needed()
        scrolled = _boxes(page, testid)
        assert scrolled["headers"][-1]["right"] <= scrolled["wrap"]["right"] + 1, scrolled
        assert scrolled["pageOverflow"] <= 0


def test_receivables_fit_a_phone_with_large_amounts(page, alice):
    company = company_create(actor=alice, data={"name": "东方国际贸易集团股份有限公司"})
    order_create(
        actor=alice,
        data={
            "company_id": company.pk,
            "placed_at": "2026-01-01T10:00:00+08:00",
            "lines": [{"description": "Tea", "quantity": 1000, "unit_price": "1207014.44"}],
        },
    )
    log_in(page, "alice")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(reverse("sales:receivables"))

    expect(page.get_by_test_id("receivables-outstanding")).to_have_text("1,207,014,440.00 CNY")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    number = page.get_by_test_id("receivables-outstanding")
    assert number.evaluate("e => e.scrollWidth <= e.clientWidth")
