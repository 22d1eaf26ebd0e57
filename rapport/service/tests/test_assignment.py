"""Queues and auto-assignment: rules put new tickets in a team's queue, and an agent is chosen
by round robin, fewest open tickets or skills; agents who are away get nothing."""

import pytest

from rapport.accounts.models import Role
from rapport.accounts.services import team_create, user_create
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.customers.models import Tag
from rapport.service.models import AssignmentMethod, AssignmentRule
from rapport.service.services import (
    agent_profile_set,
    assignment_rule_create,
    category_create,
    ticket_create,
)
from rapport.service.tests.conftest import PASSWORD


@pytest.fixture
def billing(db):
    return team_create(name="Billing")


@pytest.fixture
def agents(billing):
    return [
        user_create(
            username=f"agent{i}",
            password=PASSWORD,
            role=Role.SERVICE_AGENT,
            team=billing,
            language="en",
        )
        for i in range(3)
    ]


def rule(admin_user, team, **conditions) -> AssignmentRule:
    return assignment_rule_create(
        actor=admin_user, data={"name": "Rule", "team_id": team.pk, **conditions}
    )


def new_ticket(actor, **data):
    return ticket_create(actor=actor, data={"subject": "Help", **data})


def test_round_robin_goes_around_the_team(admin_user, billing, agents):
    rule(admin_user, billing, method=AssignmentMethod.ROUND_ROBIN)

    assignees = [new_ticket(None).assignee for _ in range(4)]

    assert assignees == [agents[0], agents[1], agents[2], agents[0]]


def test_an_away_agent_gets_no_tickets(admin_user, billing, agents):
    rule(admin_user, billing, method=AssignmentMethod.ROUND_ROBIN)
    agent_profile_set(actor=agents[1], user=agents[1], data={"is_away": True})

    assignees = [new_ticket(None).assignee for _ in range(3)]

    assert assignees == [agents[0], agents[2], agents[0]]


def test_when_everyone_is_away_the_ticket_waits_in_the_queue(admin_user, billing, agents):
    rule(admin_user, billing)
    for agent in agents:
        agent_profile_set(actor=admin_user, user=agent, data={"is_away": True})

    ticket = new_ticket(None)

    assert (ticket.team, ticket.assignee) == (billing, None)


def test_least_open_picks_the_agent_with_the_fewest_open_tickets(admin_user, billing, agents):
    for agent in (agents[0], agents[0], agents[1]):
        new_ticket(admin_user, team_id=billing.pk, assignee_id=agent.pk)
    rule(admin_user, billing, method=AssignmentMethod.LEAST_OPEN)

    assert new_ticket(None).assignee == agents[2]


def test_skills_and_language_choose_the_agent(admin_user, billing, agents):
    hardware = category_create(actor=admin_user, data={"name": "Hardware"})
    screen = category_create(actor=admin_user, data={"name": "Screen", "parent_id": hardware.pk})
    agent_profile_set(
        actor=admin_user, user=agents[0], data={"skills": ["billing"], "languages": ["zh-hans"]}
    )
    agent_profile_set(
        actor=admin_user, user=agents[1], data={"skills": ["hardware"], "languages": ["en"]}
    )
    agent_profile_set(
        actor=admin_user, user=agents[2], data={"skills": ["hardware"], "languages": ["zh-hans"]}
    )
    rule(admin_user, billing, method=AssignmentMethod.SKILLS, category_id=hardware.pk)

    ticket = ticket_create(
        actor=None, data={"subject": "屏幕闪烁", "body": "屏幕一直闪", "category_id": screen.pk}
    )

    assert ticket.language == "zh-hans"
    assert ticket.assignee == agents[2]


def test_the_first_matching_rule_by_position_decides(admin_user, billing, support, agents, sam):
    rule(admin_user, support, position=0, keywords="refund, 退款", method="queue_only")
    rule(admin_user, billing, position=1, channel="email")

    by_keyword = new_ticket(None, body="I want a REFUND now")
    by_channel = ticket_create(actor=None, data={"subject": "Hello"}, channel="email")
    nothing = new_ticket(None)

    assert (by_keyword.team, by_keyword.assignee) == (support, None)
    assert by_channel.team == billing
    assert (nothing.team, nothing.assignee) == (None, None)


def test_a_customer_tag_routes_vip_customers(admin_user, billing, agents, emily, alice):
    vip = Tag.objects.create(name="VIP")
    emily.tags.add(vip)
    rule(admin_user, billing, customer_tag_id=vip.pk)

    ticket = ticket_create(actor=alice, data={"subject": "Help", "person_id": emily.pk})

    assert ticket.team == billing


def test_an_explicit_team_is_not_overridden_by_rules(admin_user, billing, support, agents):
    rule(admin_user, billing)

    ticket = new_ticket(admin_user, team_id=support.pk)

    assert (ticket.team, ticket.assignee) == (support, None)


def test_rules_are_administrators_work_and_checked(admin_user, sam, billing):
    with pytest.raises(PermissionDenied):
        assignment_rule_create(actor=sam, data={"name": "Mine", "team_id": billing.pk})
    with pytest.raises(ValidationFailed) as caught:
        assignment_rule_create(
            actor=admin_user, data={"name": "", "method": "lottery", "channel": "fax"}
        )
    assert set(caught.value.details) == {"name", "method", "channel", "team_id"}
    assert not AssignmentRule.objects.exists()


def test_an_agent_sets_only_their_own_profile(sam, sue):
    agent_profile_set(actor=sam, user=sam, data={"is_away": True, "languages": ["en"]})

    with pytest.raises(PermissionDenied):
        agent_profile_set(actor=sam, user=sue, data={"is_away": True})
    with pytest.raises(ValidationFailed):
        agent_profile_set(actor=sam, user=sam, data={"languages": ["klingon"]})
