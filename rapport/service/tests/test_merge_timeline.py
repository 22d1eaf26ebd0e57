"""Merging two tickets is a step of the customer's story, on their timeline like the others."""

from django.utils import translation

from rapport.activities.models import TimelineEntry
from rapport.activities.timeline_kinds import title_for
from rapport.customers.services import person_create
from rapport.service.services import ticket_create, ticket_merge


def _ticket(actor, team, person, subject):
    return ticket_create(
        actor=actor,
        data={"subject": subject, "body": "Text.", "person_id": person.pk, "team_id": team.pk},
    )


def _merge_entries(person):
    return list(TimelineEntry.objects.filter(person=person, kind__startswith="ticket.merged"))


def test_a_merge_of_the_same_customers_tickets_is_one_entry_naming_both(
    admin_user, sam, support, emily, ticket
):
    target = _ticket(admin_user, support, emily, "Screen still flickers")

    ticket_merge(actor=sam, source=ticket, target=target)

    (entry,) = _merge_entries(emily)
    assert (entry.kind, entry.source_id, entry.actor_id) == ("ticket.merged", ticket.pk, sam.pk)
    with translation.override("en"):
        assert title_for(entry) == (
            f"Ticket {ticket.number} merged into {target.number}: The screen flickers"
        )


def test_a_merge_into_another_customers_ticket_is_on_both_timelines(
    admin_user, alice, sam, support, emily, ticket
):
    david = person_create(actor=alice, data={"full_name": "David Wu"})
    target = _ticket(admin_user, support, david, "Flicker on the office screens")

    ticket_merge(actor=sam, source=ticket, target=target)

    assert [e.kind for e in _merge_entries(emily)] == ["ticket.merged"]
    (entry,) = _merge_entries(david)
    assert (entry.kind, entry.source_id) == ("ticket.merged_in", target.pk)
    with translation.override("en"):
        assert title_for(entry) == (
            f"Ticket {ticket.number} merged into ticket {target.number}: "
            "Flicker on the office screens"
        )
