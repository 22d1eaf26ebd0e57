"""The deal pages and the kanban: visibility, constant queries, moves over htmx, forms."""

import pytest
from django.urls import reverse

from rapport.sales.models import Deal, DealStatus
from rapport.sales.services.deals import deal_create, deal_win
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def east_deal(alice, east_person, east_company, stages):
    return deal_create(
        actor=alice,
        data={
            "title": "年度茶叶采购",
            "amount": "12800.00",
            "person_id": east_person.pk,
            "company_id": east_company.pk,
        },
    )


def _many_deals(owner, person, company, count):
    for i in range(count):
        deal_create(
            actor=owner,
            data={
                "title": f"商机{i}",
                "amount": f"{i}00.00",
                "person_id": person.pk,
                "company_id": company.pk,
            },
        )


# --- Visibility ----------------------------------------------------------------------------------

PAGES = [
    ("get", "sales:deal_detail"),
    ("get", "sales:deal_edit"),
    ("post", "sales:deal_edit"),
    ("post", "sales:deal_delete"),
    ("post", "sales:deal_move"),
    ("post", "sales:deal_win"),
    ("post", "sales:deal_lose"),
    ("post", "sales:deal_reopen"),
]


@pytest.mark.parametrize(("method", "name"), PAGES)
def test_other_teams_deal_is_404_on_every_page(client, charlie, east_deal, stages, method, name):
    client.force_login(charlie)

    response = getattr(client, method)(
        reverse(name, args=[east_deal.pk]), {"stage_id": stages["proposal"].pk, "title": "x"}
    )

    assert response.status_code == 404
    deal = Deal.objects.get(pk=east_deal.pk)
    assert (deal.title, deal.stage_id, deal.status) == ("年度茶叶采购", east_deal.stage_id, "open")


def test_other_teams_deals_are_not_on_the_list_or_the_board(client, charlie, east_deal, stages):
    client.force_login(charlie)

    listing = client.get(reverse("sales:deal_list"))
    column = client.get(reverse("sales:kanban_column", args=[stages["qualification"].pk]))
    board = client.get(reverse("sales:kanban", args=[east_deal.pipeline_id]))

    assert "年度茶叶采购" not in listing.content.decode()
    assert "年度茶叶采购" not in column.content.decode()
    assert "12,800.00" not in board.content.decode()


def test_colleague_sees_the_deal(client, bob, east_deal):
    client.force_login(bob)

    response = client.get(reverse("sales:deal_detail", args=[east_deal.pk]))

    assert response.status_code == 200
    assert "年度茶叶采购" in response.content.decode()


# --- Query counts --------------------------------------------------------------------------------


def test_deal_list_query_count_is_constant(
    client, alice, east_person, east_company, pipeline, django_assert_max_num_queries
):
    client.force_login(alice)
    _many_deals(alice, east_person, east_company, 3)
    # 8, +2: the saved views' tabs and the user's column choice (accounts.saved_view_views).
    with django_assert_max_num_queries(10):
        client.get(reverse("sales:deal_list"))

    _many_deals(alice, east_person, east_company, 30)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("sales:deal_list"))
    assert response.content.decode().count('data-testid="deal-row"') == 25


def test_kanban_column_query_count_is_constant(
    client, alice, east_person, east_company, stages, django_assert_max_num_queries
):
    client.force_login(alice)
    _many_deals(alice, east_person, east_company, 45)
    url = reverse("sales:kanban_column", args=[stages["qualification"].pk])

    # Session, user, stage, one page of cards, the persons and companies alice may see on them.
    with django_assert_max_num_queries(7):
        response = client.get(url, **HTMX)

    html = response.content.decode()
    assert html.count('data-testid="deal-card"') == 20
    assert 'data-testid="load-more"' in html


def test_kanban_page_does_not_load_cards(
    client, alice, east_person, east_company, stages, django_assert_max_num_queries
):
    client.force_login(alice)
    _many_deals(alice, east_person, east_company, 30)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("sales:kanban", args=[stages["qualification"].pipeline_id]))

    html = response.content.decode()
    assert 'data-testid="deal-card"' not in html
    # The column header carries the count and the sum of all 30 (0 + 100 + … + 2900).
    assert "43,500.00 CNY" in html


def test_load_more_continues_where_the_page_ended(client, alice, east_person, east_company, stages):
    client.force_login(alice)
    _many_deals(alice, east_person, east_company, 25)
    url = reverse("sales:kanban_column", args=[stages["qualification"].pk])
    first = client.get(url, **HTMX).content.decode()
    cursor = first.split("cursor=")[1].split('"')[0]

    second = client.get(f"{url}?cursor={cursor}", **HTMX).content.decode()

    assert second.count('data-testid="deal-card"') == 5
    assert 'data-testid="load-more"' not in second


def test_kanban_filters_by_owner(client, alice, bob, stages):
    deal_create(actor=alice, data={"title": "alice's"})
    deal_create(actor=bob, data={"title": "bob's"})
    client.force_login(alice)

    response = client.get(
        reverse("sales:kanban_column", args=[stages["qualification"].pk]), {"owner_id": bob.pk}
    )

    html = response.content.decode()
    assert "bob&#x27;s" in html
    assert "alice&#x27;s" not in html


# --- Moves ---------------------------------------------------------------------------------------


def test_htmx_move_answers_the_card_and_every_column_total(client, alice, east_deal, stages):
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_move", args=[east_deal.pk]),
        {"stage_id": stages["proposal"].pk, "version": 1},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="deal-card-{east_deal.pk}"' in html
    assert html.count('hx-swap-oob="true"') == 5  # four column headers and the card
    assert 'data-version="2"' in html
    east_deal.refresh_from_db()
    assert east_deal.stage == stages["proposal"]


def test_htmx_move_of_a_closed_deal_is_409_with_the_reason(client, alice, east_deal, stages):
    deal_win(actor=alice, deal=east_deal)
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_move", args=[east_deal.pk]),
        {"stage_id": stages["proposal"].pk},
        **HTMX,
    )

    assert response.status_code == 409
    assert "Reopen it" in response.content.decode()


def test_htmx_move_with_an_old_version_is_409(client, alice, bob, east_deal, stages):
    client.force_login(alice)
    client.post(
        reverse("sales:deal_move", args=[east_deal.pk]),
        {"stage_id": stages["proposal"].pk, "version": 1},
        **HTMX,
    )

    response = client.post(
        reverse("sales:deal_move", args=[east_deal.pk]),
        {"stage_id": stages["negotiation"].pk, "version": 1},
        **HTMX,
    )

    assert response.status_code == 409


def test_htmx_lose_without_a_reason_is_422(client, alice, east_deal, stages):
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_move", args=[east_deal.pk]), {"stage_id": stages["lost"].pk}, **HTMX
    )

    assert response.status_code == 422
    assert "Choose why the deal was lost." in response.content.decode()


def test_lose_from_the_deal_page(client, alice, east_deal, price_reason):
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_lose", args=[east_deal.pk]),
        {"lost_reason_id": price_reason.pk, "note": "太贵"},
    )

    assert response.status_code == 302
    east_deal.refresh_from_db()
    assert (east_deal.status, east_deal.close_note) == (DealStatus.LOST, "太贵")


# --- Forms ---------------------------------------------------------------------------------------


def test_new_deal_form_creates_the_deal(client, alice, east_person, stages, product):
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_create"),
        {
            "title": "茶具",
            "stage_id": stages["proposal"].pk,
            "currency": "CNY",
            "person_id": east_person.pk,
            "purchase_intent": "high",
            "budget_status": "high",
            "urgency": "medium",
            "lines-0-product_id": product.pk,
            "lines-0-quantity": "2",
        },
    )

    deal = Deal.objects.get(title="茶具")
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:deal_detail", args=[deal.pk])
    assert (deal.stage, deal.person, deal.priority) == (stages["proposal"], east_person, "high")
    assert str(deal.amount) == "776.00"


def test_form_shows_service_errors_next_to_the_fields(client, alice, stages, product):
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_create"),
        {
            "title": "x",
            "amount": "-5",
            "currency": "CNY",
            "lines-0-product_id": product.pk,
            "lines-0-quantity": "0",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-amount"' in html
    assert "The amount cannot be negative." in html
    assert "Enter a whole number greater than 0." in html
    assert not Deal.objects.exists()


def test_edit_with_an_old_version_keeps_the_input_and_explains(client, alice, bob, east_deal):
    client.force_login(bob)
    client.post(
        reverse("sales:deal_edit", args=[east_deal.pk]),
        {"title": "bob's title", "currency": "CNY", "version": 1},
    )
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_edit", args=[east_deal.pk]),
        {"title": "alice's title", "currency": "CNY", "version": 1},
    )

    html = response.content.decode()
    assert "Someone else changed this deal" in html
    assert "alice&#x27;s title" in html
    east_deal.refresh_from_db()
    assert east_deal.title == "bob's title"


def test_person_picker_offers_only_visible_persons(client, charlie, east_person, west_person):
    client.force_login(charlie)

    html = client.get(reverse("sales:deal_person_options"), {"person_search": "张"}).content
    html += client.get(reverse("sales:deal_person_options"), {"person_search": "Emily"}).content

    assert "张伟" not in html.decode()
    assert "Emily Carter" in html.decode()


# --- Settings ------------------------------------------------------------------------------------


def test_settings_pages_are_for_administrators(client, alice, admin_user, pipeline):
    client.force_login(alice)
    assert client.get(reverse("sales:pipeline_settings")).status_code == 403

    client.force_login(admin_user)
    assert client.get(reverse("sales:pipeline_settings")).status_code == 200
    assert client.get(reverse("sales:pipeline_edit", args=[pipeline.pk])).status_code == 200
    assert client.get(reverse("sales:lost_reason_settings")).status_code == 200


def test_administrator_adds_a_stage_with_stale_days(client, admin_user, pipeline):
    client.force_login(admin_user)

    client.post(
        reverse("sales:pipeline_edit", args=[pipeline.pk]),
        {"new-name": "Contract", "new-probability": 90, "new-stale_after_days": 7},
    )

    stage = pipeline.stages.get(name="Contract")
    assert (stage.probability, stage.stale_after_days, stage.kind) == (90, 7, "open")
