"""Task pages: "My tasks", the task form, one-click completion with htmx, the customer panel."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.activities.models import Task, TaskStatus
from rapport.activities.task_selectors import today_bounds
from rapport.activities.task_services import task_complete, task_create

HTMX = {"HTTP_HX_REQUEST": "true"}


def _tasks(actor, n, *, prefix="Task", **data):
    """`n` tasks due late today (in the "today" tab whatever the time), the first one last."""
    _start, tomorrow = today_bounds()
    return [
        task_create(
            actor=actor,
            data={
                "title": f"{prefix} {i}",
                "due_at": tomorrow - datetime.timedelta(minutes=1 + i),
                **data,
            },
        )
        for i in range(n)
    ]


@pytest.fixture
def charlies_task(charlie):
    return task_create(actor=charlie, data={"title": "West's secret"})


def test_my_tasks_lists_todays_and_overdue_tasks_earliest_first(client, alice):
    overdue = task_create(
        actor=alice,
        data={"title": "Overdue call", "due_at": timezone.now() - datetime.timedelta(days=1)},
    )
    _tasks(alice, 2)
    task_create(
        actor=alice,
        data={"title": "Next week", "due_at": timezone.now() + datetime.timedelta(days=7)},
    )
    client.force_login(alice)

    response = client.get(reverse("activities:task_list"))

    html = response.content.decode()
    assert [t.title for t in response.context["page"].items] == ["Overdue call", "Task 1", "Task 0"]
    overdue_item = html.split(f'id="task-{overdue.pk}"')[1].split("</li>")[0]
    assert 'data-testid="task-overdue"' in overdue_item


def test_upcoming_tab_and_done_tab(client, alice):
    later = task_create(
        actor=alice,
        data={"title": "Next week", "due_at": timezone.now() + datetime.timedelta(days=7)},
    )
    done = task_complete(actor=alice, task=task_create(actor=alice, data={"title": "Finished"}))
    client.force_login(alice)

    upcoming = client.get(reverse("activities:task_list"), {"tab": "upcoming"})
    finished = client.get(reverse("activities:task_list"), {"tab": "done"})

    assert list(upcoming.context["page"].items) == [later]
    assert list(finished.context["page"].items) == [done]


def test_my_tasks_leaves_out_colleagues_tasks_unless_asked(client, alice, bob):
    _tasks(bob, 1, prefix="Bob's")
    client.force_login(alice)

    mine = client.get(reverse("activities:task_list"))
    everyone = client.get(reverse("activities:task_list"), {"assignee": "all"})

    assert list(mine.context["page"].items) == []
    assert [t.title for t in everyone.context["page"].items] == ["Bob's 0"]


def test_task_list_query_count_is_constant(
    client, alice, east_customer, django_assert_max_num_queries
):
    client.force_login(alice)
    _tasks(alice, 3, person_id=east_customer.pk)
    # 5, +2: the saved views' tabs and the user's column choice (accounts.saved_view_views).
    with django_assert_max_num_queries(7):
        small = client.get(reverse("activities:task_list"))
    _tasks(alice, 30, prefix="More", person_id=east_customer.pk)
    with django_assert_max_num_queries(7):
        large = client.get(reverse("activities:task_list"))
    assert small.content.decode().count('data-testid="task-item"') == 3
    assert large.content.decode().count('data-testid="task-item"') == 25


def test_task_list_pages_with_a_cursor(client, alice, settings):
    settings.RAPPORT_PAGE_SIZE = 10
    _tasks(alice, 12)
    client.force_login(alice)

    first = client.get(reverse("activities:task_list"))
    second = client.get(
        reverse("activities:task_list"), {"cursor": first.context["page"].next_cursor}
    )

    seen = [t.pk for t in first.context["page"].items] + [
        t.pk for t in second.context["page"].items
    ]
    assert len(seen) == len(set(seen)) == 12


def test_new_task_with_an_empty_title_shows_the_field_error(client, alice):
    client.force_login(alice)

    response = client.post(reverse("activities:task_create"), {"title": "", "priority": "normal"})

    assert response.status_code == 200
    assert 'data-testid="error-title"' in response.content.decode()
    assert not Task.objects.exists()


def test_new_task_for_a_colleague(client, alice, bob):
    client.force_login(alice)

    response = client.post(
        reverse("activities:task_create"),
        {"title": "Visit 张伟", "due_at": "2026-05-01T09:30", "assignee_id": str(bob.pk)},
    )

    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.assignee, task.created_by) == (bob, alice)


def test_edit_form_saves_changes(client, alice):
    task = task_create(actor=alice, data={"title": "Call"})
    client.force_login(alice)
    url = reverse("activities:task_detail", args=[task.pk])

    page = client.get(url)
    response = client.post(
        url,
        {
            "title": "Call back",
            "description": "About the quote",
            "due_at": "2026-05-01T09:30",
            "remind_at": "2026-05-01T09:00",
            "priority": "high",
            "assignee_id": str(alice.pk),
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority, task.description) == ("Call back", "high", "About the quote")


def test_edit_form_shows_a_reminder_after_the_due_time_as_a_field_error(client, alice):
    task = task_create(actor=alice, data={"title": "Call"})
    client.force_login(alice)

    response = client.post(
        reverse("activities:task_detail", args=[task.pk]),
        {"title": "Call", "due_at": "2026-05-01T09:00", "remind_at": "2026-05-02T09:00"},
    )

    assert 'data-testid="error-remind_at"' in response.content.decode()


def test_completing_with_htmx_returns_the_done_item(client, alice):
    task = task_create(actor=alice, data={"title": "Call"})
    client.force_login(alice)

    response = client.post(reverse("activities:task_complete", args=[task.pk]), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="done"' in html
    assert 'data-testid="task-reopen"' in html
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_completing_a_cancelled_task_with_htmx_shows_why_not(client, alice):
    task = task_create(actor=alice, data={"title": "Call"})
    client.force_login(alice)
    client.post(reverse("activities:task_cancel", args=[task.pk]))

    response = client.post(reverse("activities:task_complete", args=[task.pk]), **HTMX)

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_completing_without_htmx_goes_back_to_the_page(client, alice):
    task = task_create(actor=alice, data={"title": "Call"})
    client.force_login(alice)

    response = client.post(
        reverse("activities:task_complete", args=[task.pk]), {"next": "/tasks/?tab=done"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/tasks/?tab=done"


def test_completing_ignores_a_next_on_another_site(client, alice):
    task = task_create(actor=alice, data={"title": "Call"})
    client.force_login(alice)

    response = client.post(
        reverse("activities:task_complete", args=[task.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("activities:task_detail", args=[task.pk])


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("activities:task_detail", "get"),
        ("activities:task_detail", "post"),
        ("activities:task_complete", "post"),
        ("activities:task_reopen", "post"),
        ("activities:task_cancel", "post"),
        ("activities:task_subject", "get"),
    ],
)
def test_rep_gets_404_for_other_teams_task(client, alice, charlies_task, name, method):
    client.force_login(alice)

    response = getattr(client, method)(reverse(name, args=[charlies_task.pk]))

    assert response.status_code == 404
    charlies_task.refresh_from_db()
    assert (charlies_task.status, charlies_task.title) == ("open", "West's secret")


def test_task_without_subject_has_no_subject_page(client, alice):
    task = task_create(actor=alice, data={"title": "Call"})
    client.force_login(alice)

    assert client.get(reverse("activities:task_subject", args=[task.pk])).status_code == 404


# --- The panel on a customer's page ---------------------------------------------------------------


def test_person_page_loads_the_task_panel_from_activities(client, alice, east_customer):
    client.force_login(alice)

    html = client.get(reverse("customers:person_detail", args=[east_customer.pk])).content.decode()

    assert 'data-testid="tasks-panel"' in html
    assert reverse("activities:person_tasks", args=[east_customer.pk]) in html


def test_company_page_loads_the_task_panel_from_activities(client, alice, east_account):
    client.force_login(alice)

    html = client.get(reverse("customers:company_detail", args=[east_account.pk])).content.decode()

    assert reverse("activities:company_tasks", args=[east_account.pk]) in html


def test_person_panel_lists_the_open_tasks_linked_to_them(client, alice, east_customer):
    linked = task_create(actor=alice, data={"title": "Linked", "person_id": east_customer.pk})
    task_create(actor=alice, data={"title": "Elsewhere"})
    task_complete(
        actor=alice,
        task=task_create(actor=alice, data={"title": "Done", "person_id": east_customer.pk}),
    )
    client.force_login(alice)

    response = client.get(reverse("activities:person_tasks", args=[east_customer.pk]), **HTMX)

    assert response.context["tasks"] == [linked]
    assert 'data-testid="task-add-form"' in response.content.decode()


def test_company_panel_query_count_is_constant(
    client, alice, east_account, django_assert_max_num_queries
):
    client.force_login(alice)
    url = reverse("activities:company_tasks", args=[east_account.pk])
    _tasks(alice, 2, company_id=east_account.pk)
    with django_assert_max_num_queries(7):
        small = client.get(url, **HTMX)
    _tasks(alice, 25, company_id=east_account.pk)
    with django_assert_max_num_queries(7):
        large = client.get(url, **HTMX)
    assert small.content.decode().count('data-testid="task-item"') == 2
    assert large.content.decode().count('data-testid="task-item"') == 20


def test_adding_a_task_on_the_person_panel_links_it(client, alice, east_customer):
    client.force_login(alice)

    response = client.post(
        reverse("activities:person_tasks", args=[east_customer.pk]),
        {"title": "寄样品", "due_at": "2026-05-01T09:30", "priority": "high"},
        **HTMX,
    )

    task = Task.objects.get()
    assert (task.person, task.company, task.assignee, task.priority) == (
        east_customer,
        None,
        alice,
        "high",
    )
    html = response.content.decode()
    assert f'id="task-{task.pk}"' in html
    assert 'hx-swap-oob="true"' in html  # a fresh form


def test_adding_a_task_without_title_puts_the_form_back_with_its_error(
    client, alice, east_customer
):
    client.force_login(alice)

    response = client.post(
        reverse("activities:person_tasks", args=[east_customer.pk]), {"title": ""}, **HTMX
    )

    assert response["HX-Retarget"] == "#task-add-form"
    assert 'data-testid="error-title"' in response.content.decode()
    assert not Task.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_rep_gets_404_for_other_teams_customer_panel(client, alice, west_customer, method):
    client.force_login(alice)

    response = getattr(client, method)(
        reverse("activities:person_tasks", args=[west_customer.pk]), {"title": "Sneak"}, **HTMX
    )

    assert response.status_code == 404
    assert not Task.objects.exists()


def test_nav_links_to_tasks_and_the_bell_loads_itself(client, alice):
    client.force_login(alice)

    html = client.get(reverse("activities:task_list")).content.decode()

    assert 'data-testid="nav-tasks"' in html
    assert reverse("activities:notification_bell") in html
