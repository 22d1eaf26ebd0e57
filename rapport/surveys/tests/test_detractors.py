import pytest

from rapport.activities.models import Task
from rapport.surveys.services import response_submit

pytestmark = pytest.mark.django_db


def test_a_low_csat_score_gives_the_customers_owner_a_task_at_once(invitation, alice):
    response = response_submit(invitation=invitation, score=2, comment="slow")

    task = Task.objects.get()
    assert task.assignee == alice
    assert task.person_id == invitation.person_id
    assert invitation.ticket.number in task.title
    assert response.detractor_task == task


def test_the_detractor_task_is_made_once_however_often_the_answer_changes(invitation):
    response_submit(invitation=invitation, score=1)
    response_submit(invitation=invitation, score=2, comment="still bad")
    response_submit(invitation=invitation, score=5)
    response_submit(invitation=invitation, score=1)

    assert Task.objects.count() == 1


def test_a_happy_customer_makes_no_task(invitation):
    response_submit(invitation=invitation, score=3)
    response_submit(invitation=invitation, score=5)

    assert not Task.objects.exists()


def test_a_customer_turning_unhappy_gets_a_task(invitation, alice):
    response_submit(invitation=invitation, score=4)
    response_submit(invitation=invitation, score=2)

    assert Task.objects.get().assignee == alice
