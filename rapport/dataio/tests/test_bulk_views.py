"""Bulk action pages: the bar on the six lists (without extra queries), the confirmation, the run
in the request and as a job, the result page, the skipped records' download, and access."""

import pytest
from django.urls import reverse

from rapport.activities.task_services import task_create
from rapport.customers.models import Person
from rapport.customers.services import company_create, person_create
from rapport.dataio.models import BulkAction, BulkScope, BulkStatus
from rapport.dataio.services import bulk as services
from rapport.dataio.services.bulk import run as bulk_run
from rapport.dataio.tasks import bulk as bulk_tasks
from rapport.sales.models import Lead
from rapport.sales.services.deals import deal_create
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.services.orders import order_create

pytestmark = pytest.mark.django_db

LISTS = {
    "persons": "customers:person_list",
    "companies": "customers:company_list",
    "leads": "sales:lead_list",
    "deals": "sales:deal_list",
    "orders": "sales:order_list",
    "tasks": "activities:task_list",
}


@pytest.fixture
def records(alice):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    company_create(actor=alice, data={"name": "东方贸易"})
    lead_create(actor=alice, data={"full_name": "李娜"})
    deal_create(actor=alice, data={"title": "年度合同"})
    order_create(
        actor=alice,
        data={
            "person_id": person.pk,
            "lines": [{"description": "服务", "quantity": 1, "unit_price": "10.00"}],
        },
    )
    task_create(actor=alice, data={"title": "回访", "person_id": person.pk})
    return person


@pytest.mark.parametrize("list_name", LISTS)
def test_every_list_has_the_bar_and_a_checkbox_per_row(client, alice, records, list_name):
    client.force_login(alice)

    response = client.get(reverse(LISTS[list_name]), {"tab": "open"})

    html = response.content.decode()
    assert 'data-testid="bulk-bar"' in html
    assert f'name="list" value="{list_name}"' in html
    assert 'data-testid="bulk-page"' in html or list_name == "tasks"
    assert html.count('data-testid="bulk-row"') == len(response.context["page"].items) > 0


@pytest.mark.parametrize("list_name", ["persons", "leads"])
def test_the_bar_adds_no_query_to_a_list(
    client, alice, records, list_name, django_assert_max_num_queries
):
    client.force_login(alice)
    url = reverse(LISTS[list_name])
    client.get(url)  # warm caches (content types, sessions)

    with django_assert_max_num_queries(12):
        response = client.get(url)

    assert response.status_code == 200


def test_the_bar_carries_the_lists_filters_without_its_cursor(client, alice, records):
    client.force_login(alice)

    response = client.get(reverse("sales:lead_list"), {"campaign": "expo", "cursor": "x"})

    assert 'name="query" value="campaign=expo"' in response.content.decode()


def test_confirmation_counts_all_matching_records_and_offers_assignable_owners(
    client, alice, bob, charlie
):
    for i in range(3):
        lead_create(actor=alice, data={"full_name": f"展会{i}", "campaign": "expo"})
    client.force_login(alice)

    response = client.get(
        reverse("dataio:bulk_confirm"),
        {"list": "leads", "action": "assign", "scope": "filter", "query": "campaign=expo"},
    )

    assert response.status_code == 200
    assert response.context["count"] == 3
    owners = set(response.context["owners"])
    assert bob in owners and charlie not in owners
    assert 'data-count="3"' in response.content.decode()


def test_nothing_selected_goes_back_to_the_list_with_a_message(client, alice):
    client.force_login(alice)

    response = client.get(
        reverse("dataio:bulk_confirm"), {"list": "leads", "action": "assign", "query": "q=x"}
    )

    assert response.status_code == 302
    assert response.url == reverse("sales:lead_list") + "?q=x"


def test_unknown_list_is_404(client, alice):
    client.force_login(alice)

    response = client.get(reverse("dataio:bulk_confirm"), {"list": "secrets", "ids": "1"})

    assert response.status_code == 404


def test_run_in_the_request_and_show_the_result(client, alice, bob, charlie):
    mine = person_create(actor=alice, data={"full_name": "甲"})
    west = person_create(actor=charlie, data={"full_name": "West"})
    client.force_login(alice)

    response = client.post(
        reverse("dataio:bulk_run"),
        {"list": "persons", "action": "assign", "ids": [mine.pk, west.pk], "owner_id": bob.pk},
    )

    job = BulkAction.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dataio:bulk_job", args=[job.pk])
    page = client.get(response.url)
    html = page.content.decode()
    assert 'data-status="done"' in html
    assert 'data-testid="bulk-changed">1<' in html
    assert 'data-testid="bulk-skipped">1<' in html
    assert "You may not see this record" in html
    skipped = client.get(reverse("dataio:bulk_job_skipped", args=[job.pk]))
    assert skipped["Content-Type"].startswith("text/csv")
    assert str(west.pk) in skipped.content.decode("utf-8-sig")
    assert "West" not in skipped.content.decode("utf-8-sig")


def test_delete_needs_the_confirmation_box(client, alice):
    person = person_create(actor=alice, data={"full_name": "甲"})
    client.force_login(alice)
    data = {"list": "persons", "action": "delete", "ids": [person.pk]}

    refused = client.post(reverse("dataio:bulk_run"), data)

    assert refused.status_code == 400
    assert Person.objects.filter(pk=person.pk).exists()
    assert "Tick the box to confirm." in refused.content.decode()

    done = client.post(reverse("dataio:bulk_run"), {**data, "confirm": "1"})

    assert done.status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists()


def test_a_missing_parameter_comes_back_on_the_form(client, alice):
    person = person_create(actor=alice, data={"full_name": "甲"})
    client.force_login(alice)

    response = client.post(
        reverse("dataio:bulk_run"), {"list": "persons", "action": "tag_add", "ids": [person.pk]}
    )

    assert response.status_code == 400
    assert "Choose a tag." in response.content.decode()
    assert not BulkAction.objects.exists()


def test_a_large_selection_is_queued_and_its_page_polls(
    client, alice, bob, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk_run, "INLINE_LIMIT", 1)
    queued = []
    monkeypatch.setattr(bulk_tasks, "run_bulk_action", queued.append)
    leads = [lead_create(actor=alice, data={"full_name": f"线索{i}"}) for i in range(3)]
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dataio:bulk_run"),
            {"list": "leads", "action": "assign", "scope": "filter", "owner_id": bob.pk},
        )

    job = BulkAction.objects.get()
    assert job.status == BulkStatus.QUEUED and job.total == 3
    assert queued == [job.pk]
    status = client.get(reverse("dataio:bulk_job_status", args=[job.pk])).content.decode()
    assert "every 1s" in status
    assert 'data-testid="bulk-progress"' in status

    services.bulk_action_run(job.pk)

    finished = client.get(reverse("dataio:bulk_job_status", args=[job.pk])).content.decode()
    assert "every 1s" not in finished
    assert 'data-status="done"' in finished
    assert Lead.objects.filter(pk__in=[x.pk for x in leads], owner=bob).count() == 3
    assert response.status_code == 302


def test_export_of_ticked_rows_downloads_only_those(client, alice):
    wanted = person_create(actor=alice, data={"full_name": "要的"})
    person_create(actor=alice, data={"full_name": "不要的"})
    client.force_login(alice)

    response = client.post(
        reverse("dataio:bulk_run"),
        {"list": "persons", "action": "export", "ids": [wanted.pk], "format": "csv"},
    )

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "要的" in body
    assert "不要的" not in body


def test_another_users_bulk_action_is_404(client, alice, bob):
    job = BulkAction.objects.create(
        actor=bob, list_name="leads", action="assign", scope=BulkScope.IDS, ids=[1]
    )
    client.force_login(alice)

    for name in ("dataio:bulk_job", "dataio:bulk_job_status", "dataio:bulk_job_skipped"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_an_administrator_may_follow_anyones_bulk_action(client, admin_user, bob):
    job = BulkAction.objects.create(
        actor=bob, list_name="leads", action="assign", scope=BulkScope.IDS, ids=[1]
    )
    client.force_login(admin_user)

    assert client.get(reverse("dataio:bulk_job", args=[job.pk])).status_code == 200


def test_a_query_with_a_line_break_is_re_encoded_on_the_way_back(client, alice):
    client.force_login(alice)

    response = client.get(
        reverse("dataio:bulk_confirm"),
        {"list": "leads", "action": "assign", "query": "q=a\r\nSet-Cookie: x=1"},
    )

    assert response.status_code == 302
    assert "\n" not in response.url
    assert response.url.startswith(reverse("sales:lead_list") + "?q=a")
