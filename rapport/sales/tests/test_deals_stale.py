"""The hourly job giving owners a follow-up task for deals that sit too long in a stage."""

import datetime

import pytest
from django.utils import timezone

from rapport.activities.models import Task
from rapport.sales.models import Deal
from rapport.sales.services.deals import deal_create, deal_move_stage, deal_win, stage_update
from rapport.sales.tasks import create_stale_deal_tasks
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)


@pytest.fixture
def stale_after_3_days(admin_user, stages):
    return stage_update(
        actor=admin_user, stage=stages["qualification"], data={"stale_after_days": 3}
    )


def _aged(deal, days):
    Deal.objects.filter(pk=deal.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=days)
    )
    deal.refresh_from_db()
    return deal


def test_owner_gets_a_follow_up_task_for_a_stale_deal(alice, east_person, stale_after_3_days):
    deal = _aged(
        deal_create(actor=alice, data={"title": "茶叶", "person_id": east_person.pk}), days=4
    )

    created = create_stale_deal_tasks()

    assert created == 1
    task = Task.objects.get()
    assert task.assignee == alice
    assert task.person_id == east_person.pk
    assert task.subject == deal
    assert "茶叶" in task.title
    assert "Qualification" in task.title
    deal.refresh_from_db()
    assert deal.stale_task_created_at is not None


def test_running_twice_creates_one_task(alice, stale_after_3_days):
    _aged(deal_create(actor=alice, data={"title": "A"}), days=4)

    create_stale_deal_tasks()
    second = create_stale_deal_tasks()

    assert second == 0
    assert Task.objects.count() == 1


def test_fresh_deals_and_stages_without_the_setting_are_left_alone(
    alice, stages, stale_after_3_days
):
    _aged(deal_create(actor=alice, data={"title": "fresh"}), days=2)
    _aged(deal_create(actor=alice, data={"title": "A", "stage_id": stages["proposal"].pk}), days=90)

    assert create_stale_deal_tasks() == 0


def test_closed_deals_get_no_task(alice, stale_after_3_days):
    deal = deal_create(actor=alice, data={"title": "A"})
    deal_win(actor=alice, deal=deal)
    _aged(deal, days=10)

    assert create_stale_deal_tasks() == 0


def test_a_new_stay_in_a_stale_stage_gets_a_new_task(alice, stages, stale_after_3_days):
    deal = _aged(deal_create(actor=alice, data={"title": "A"}), days=4)
    create_stale_deal_tasks()
    deal = deal_move_stage(actor=alice, deal=deal, stage=stages["proposal"])
    deal = deal_move_stage(actor=alice, deal=deal, stage=stages["qualification"])
    _aged(deal, days=5)

    assert create_stale_deal_tasks() == 1
    assert Task.objects.count() == 2


def test_task_title_is_in_the_owners_language(east, stale_after_3_days):
    from rapport.accounts.models import Role
    from rapport.accounts.services import user_create

    wang = user_create(
        username="wang",
        password="x-long-password-1",
        role=Role.SALES_REP,
        team=east,
        language="zh-hans",
    )
    _aged(deal_create(actor=wang, data={"title": "茶叶"}), days=4)

    create_stale_deal_tasks()

    assert Task.objects.get().title.startswith("跟进")
