"""The sales side of the 360° pages (deal, lead and order panels) and the deal's timeline."""

import pytest
from django.urls import reverse

from rapport.activities.models import Interaction
from rapport.activities.selectors import interactions_visible_to, timeline_for_person
from rapport.customers.services import person_create
from rapport.sales.selectors.customer_sales import customer_sales
from rapport.sales.services.deals import deal_create, deal_move_stage, deal_win
from rapport.sales.services.leads.capture import lead_create, lead_event_add
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

HTMX = {"HTTP_HX_REQUEST": "true"}
CALL = {"channel": "call", "direction": "outbound", "subject": "确认报价", "content": "下周签约"}


@pytest.fixture
def customer(alice, east_company):
    return person_create(
        actor=alice,
        data={
            "full_name": "王芳",
            "phones": [{"number": "13800138000"}],
            "emails": [{"email": "wang@example.cn"}],
            "employments": [{"company_id": east_company.pk, "is_primary": True}],
        },
    )


@pytest.fixture
def open_deal(alice, customer, east_company, stages):
    return deal_create(
        actor=alice,
        data={
            "title": "年度茶叶采购",
            "amount": "1234567.50",
            "person_id": customer.pk,
            "company_id": east_company.pk,
            "expected_close_date": "2026-12-31",
        },
    )


@pytest.fixture
def won_deal(alice, customer, stages):
    deal = deal_create(
        actor=alice, data={"title": "茶具样品", "amount": "880.00", "person_id": customer.pk}
    )
    return deal_win(actor=alice, deal=deal)


@pytest.fixture
def west_deal_on_customer(admin_user, charlie, customer, stages):
    """Another team's deal on alice's customer: an administrator made charlie its owner."""
    return deal_create(
        actor=admin_user,
        data={
            "title": "West secret deal",
            "amount": "999.00",
            "person_id": customer.pk,
            "owner_id": charlie.pk,
        },
    )


# --- The panels ----------------------------------------------------------------------------------


def test_panels_list_open_deals_before_recently_closed_ones(alice, customer, open_deal, won_deal):
    sales = customer_sales(alice, person=customer)

    assert [d.pk for d in sales.open_deals] == [open_deal.pk]
    assert [d.pk for d in sales.closed_deals] == [won_deal.pk]
    assert (sales.open_deal_count, sales.closed_deal_count) == (1, 1)


def test_another_teams_deal_on_a_visible_person_is_not_shown(
    alice, customer, open_deal, west_deal_on_customer
):
    sales = customer_sales(alice, person=customer)

    assert [d.pk for d in sales.open_deals] == [open_deal.pk]
    assert sales.deal_count == 1


def test_open_leads_are_matched_on_the_persons_phone_or_email(alice, customer):
    by_phone = lead_create(actor=alice, data={"full_name": "王芳", "phone": "13800138000"})
    by_email = lead_create(actor=alice, data={"full_name": "W", "email": "wang@example.cn"})
    lead_create(actor=alice, data={"full_name": "someone else", "phone": "13900000000"})

    sales = customer_sales(alice, person=customer)

    assert {lead.pk for lead in sales.leads} == {by_phone.pk, by_email.pk}
    assert sales.lead_count == 2


def test_company_panels_show_its_deals_and_its_peoples_leads(
    alice, customer, east_company, open_deal
):
    lead = lead_create(actor=alice, data={"full_name": "王芳", "phone": "13800138000"})

    sales = customer_sales(alice, company=east_company)

    assert [d.pk for d in sales.open_deals] == [open_deal.pk]
    assert [le.pk for le in sales.leads] == [lead.pk]


def test_open_orders_come_first_with_what_they_owe(alice, customer):
    owing = place_order(alice, customer)

    sales = customer_sales(alice, person=customer)

    assert [o.pk for o in sales.orders] == [owing.pk]
    assert sales.receivables.open_orders == 1
    assert sales.recent_orders == []


def test_person_panels_show_amounts_stages_and_links(client, alice, customer, open_deal, won_deal):
    lead_create(actor=alice, data={"full_name": "王芳", "phone": "13800138000", "budget": "200000"})
    order = place_order(alice, customer)
    client.force_login(alice)

    html = client.get(reverse("sales:person_sales", args=[customer.pk]), **HTMX).content.decode()

    assert 'data-testid="customer-deal-amount">1,234,567.50 CNY' in html
    assert open_deal.stage.name in html
    assert reverse("sales:deal_detail", args=[open_deal.pk]) in html
    assert "200,000.00" in html
    assert order.number in html
    assert f"{reverse('sales:deal_list')}?person_id={customer.pk}" in html
    # The new deal is for the person and their primary company
    new_deal = f"{reverse('sales:deal_create')}?person_id={customer.pk}&amp;company_id="
    assert f"{new_deal}{customer.employments.get().company_id}" in html
    assert f"{reverse('sales:order_list')}?person_id={customer.pk}&amp;open_only=1" in html


def test_person_panels_answer_in_a_fixed_number_of_queries(
    client, alice, customer, east_company, stages, django_assert_max_num_queries
):
    for i in range(8):
        deal_create(
            actor=alice, data={"title": f"商机{i}", "amount": "100.00", "person_id": customer.pk}
        )
        lead_create(actor=alice, data={"full_name": f"线索{i}", "phone": "13800138000"})
        place_order(alice, customer)
    client.force_login(alice)
    url = reverse("sales:person_sales", args=[customer.pk])
    client.get(url, **HTMX)

    with django_assert_max_num_queries(13):
        response = client.get(url, **HTMX)

    assert response.content.decode().count('data-testid="customer-deal"') == 5


def test_person_page_answers_in_a_fixed_number_of_queries(
    client, alice, customer, open_deal, django_assert_max_num_queries
):
    client.force_login(alice)
    url = reverse("customers:person_detail", args=[customer.pk])
    client.get(url)

    with django_assert_max_num_queries(10):
        response = client.get(url)

    html = response.content.decode()
    assert reverse("sales:person_sales", args=[customer.pk]) in html
    assert 'class="page-actions"' in html


def test_company_page_and_panels_answer_in_a_fixed_number_of_queries(
    client, alice, customer, east_company, open_deal, django_assert_max_num_queries
):
    for i in range(6):
        lead_create(actor=alice, data={"full_name": f"线索{i}", "email": "wang@example.cn"})
    client.force_login(alice)
    page = reverse("customers:company_detail", args=[east_company.pk])
    panels = reverse("sales:company_sales", args=[east_company.pk])
    client.get(page)
    client.get(panels, **HTMX)

    with django_assert_max_num_queries(8):
        html = client.get(page).content.decode()
    with django_assert_max_num_queries(10):
        fragment = client.get(panels, **HTMX).content.decode()

    assert panels in html
    assert 'data-testid="customer-lead-count">6<' in fragment
    assert fragment.count('data-testid="customer-lead"') == 5


def test_another_team_cannot_open_the_panels(client, charlie, customer):
    client.force_login(charlie)

    response = client.get(reverse("sales:person_sales", args=[customer.pk]), **HTMX)

    assert response.status_code == 404


def test_new_deal_form_is_prefilled_with_the_person(client, alice, customer):
    client.force_login(alice)

    for query in (f"person_id={customer.pk}", f"person={customer.pk}"):
        response = client.get(reverse("sales:deal_create") + "?" + query)
        assert response.context["form"]["person_id"].value() == str(customer.pk)


# --- The deal's timeline and log form -------------------------------------------------------------


def test_deal_timeline_shows_its_moves_and_the_calls_logged_on_it(
    client, alice, customer, open_deal, stages
):
    deal_move_stage(actor=alice, deal=open_deal, stage=stages["needs_analysis"])
    client.force_login(alice)

    response = client.post(reverse("sales:deal_log_interaction", args=[open_deal.pk]), CALL, **HTMX)
    assert response.status_code == 200

    html = client.get(reverse("sales:deal_timeline", args=[open_deal.pk]), **HTMX).content.decode()
    assert 'data-kind="interaction.call"' in html
    assert 'data-kind="deal.stage_changed"' in html
    assert 'data-kind="deal.created"' in html
    assert "确认报价" in html


def test_a_call_on_a_deal_is_on_its_persons_timeline_saying_which_deal(
    client, alice, customer, open_deal
):
    client.force_login(alice)

    client.post(reverse("sales:deal_log_interaction", args=[open_deal.pk]), CALL)

    interaction = Interaction.objects.get()
    assert (interaction.person_id, interaction.company_id) == (customer.pk, open_deal.company_id)
    assert interaction.about == open_deal
    entries = timeline_for_person(customer).items
    call = next(e for e in entries if e.kind == "interaction.call")
    assert call.data["about_label"] == "年度茶叶采购"
    html = client.get(reverse("activities:person_timeline", args=[customer.pk])).content.decode()
    assert "Logged on 年度茶叶采购" in html


def test_deal_without_a_customer_has_a_timeline_too(client, alice, stages):
    deal = deal_create(actor=alice, data={"title": "无客户商机", "amount": "10.00"})
    client.force_login(alice)

    client.post(reverse("sales:deal_log_interaction", args=[deal.pk]), CALL)

    html = client.get(reverse("sales:deal_timeline", args=[deal.pk]), **HTMX).content.decode()
    assert 'data-kind="deal.created"' in html
    assert 'data-kind="interaction.call"' in html


def test_another_team_cannot_read_or_log_on_a_deal(client, charlie, open_deal):
    client.force_login(charlie)

    timeline = client.get(reverse("sales:deal_timeline", args=[open_deal.pk]))
    log = client.post(reverse("sales:deal_log_interaction", args=[open_deal.pk]), CALL)

    assert (timeline.status_code, log.status_code) == (404, 404)
    assert not Interaction.objects.exists()


def test_a_call_on_another_teams_deal_stays_off_a_customer_its_author_cannot_open(
    client, alice, charlie, customer, west_deal_on_customer
):
    # charlie owns the deal but not its person (alice's): his call is about the deal alone
    client.force_login(charlie)

    client.post(reverse("sales:deal_log_interaction", args=[west_deal_on_customer.pk]), CALL)

    interaction = Interaction.objects.get()
    assert interaction.person_id is None
    assert not interactions_visible_to(alice).filter(pk=interaction.pk).exists()
    assert all(e.kind != "interaction.call" for e in timeline_for_person(customer).items)


def test_deal_page_loads_its_timeline_and_log_form(client, alice, open_deal):
    client.force_login(alice)

    html = client.get(reverse("sales:deal_detail", args=[open_deal.pk])).content.decode()

    assert reverse("sales:deal_timeline", args=[open_deal.pk]) in html
    assert reverse("sales:deal_log_interaction", args=[open_deal.pk]) in html


def test_deal_timeline_answers_in_a_fixed_number_of_queries(
    client, alice, open_deal, stages, django_assert_max_num_queries
):
    client.force_login(alice)
    for _ in range(6):
        client.post(reverse("sales:deal_log_interaction", args=[open_deal.pk]), CALL)
    url = reverse("sales:deal_timeline", args=[open_deal.pk])

    with django_assert_max_num_queries(6):
        client.get(url, **HTMX)


# --- The lead's history, paged --------------------------------------------------------------------


def test_lead_history_pages_with_a_keyset_cursor(client, alice):
    lead = lead_create(actor=alice, data={"full_name": "李雷", "phone": "13700000000"})
    for i in range(25):
        lead_event_add(actor=alice, lead=lead, kind="note", channel="", body=f"备注{i}")
    client.force_login(alice)

    page = client.get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()
    more_url = reverse("sales:lead_history", args=[lead.pk])
    assert more_url in page
    assert page.count('data-testid="lead-event"') == 20

    cursor = page.split(more_url + "?cursor=")[1].split('"')[0]
    rest = client.get(f"{more_url}?cursor={cursor}", **HTMX).content.decode()
    # 26 events: created + 25 notes
    assert rest.count('data-testid="lead-event"') == 6
    assert "lead-history-more" not in rest
