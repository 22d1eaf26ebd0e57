"""Who may see and work on which ticket: the one rule every service selector applies.

- administrators see every ticket;
- an agent (anyone else) sees the tickets in their team's queue and the tickets given to them;
- a complaint about a customer is also visible to that customer's owner (`customer_owner`), so
  a representative hears what their customer complained about and can follow it up.

Seeing a ticket does not reveal its customer: the ticket page shows the person or company only
when the customers' own rule (`rapport.accounts.access.visible_records_q`) lets the user see
them (`ticket_customer_visibility`). Each part of the rule is one indexed condition, so a list
can read them in index order and merge (`rapport.core.pagination.keyset_page`).
"""

import functools
import operator

from django.db.models import Exists, OuterRef, Q

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.customers.models import Company, Person
from rapport.service.models import Ticket, TicketType


def ticket_visible_parts(user: User) -> list[Q]:
    """The parts whose union is what `user` may see (see the module docstring)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_administrator:
        return [Q()]
    parts = [Q(assignee_id=user.pk)]
    if user.team_id:
        parts.append(Q(team_id=user.team_id))
    parts.append(Q(customer_owner_id=user.pk, type=TicketType.COMPLAINT))
    return parts


def ticket_visible_q(user: User) -> Q:
    parts = ticket_visible_parts(user)
    if not parts:
        return Q(pk__in=[])
    return functools.reduce(operator.or_, parts[1:], parts[0])


def may_see_ticket(user: User, ticket: Ticket) -> bool:
    """`ticket_visible_q` for one ticket already loaded, without a query."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_administrator or ticket.assignee_id == user.pk:
        return True
    if user.team_id is not None and ticket.team_id == user.team_id:
        return True
    return ticket.type == TicketType.COMPLAINT and ticket.customer_owner_id == user.pk


def may_work_on_ticket(user: User, ticket: Ticket) -> bool:
    """Replying, noting, changing and assigning: the agents who see it through the queue or
    the assignment. A customer's owner who sees a complaint may read it and add internal notes,
    not answer the customer in the team's name."""
    if not may_see_ticket(user, ticket):
        return False
    return (
        user.is_administrator
        or ticket.assignee_id == user.pk
        or (user.team_id is not None and ticket.team_id == user.team_id)
    )


def ticket_customer_visibility(user: User, ticket: Ticket) -> tuple[bool, bool]:
    """Whether `user` may see the ticket's person and its company (two small queries at most;
    the ticket page reads the same with the ticket: `customer_visibility_annotations`)."""
    person_visible = company_visible = False
    if ticket.person_id is not None:
        person_visible = Person.objects.filter(
            visible_records_q(user), pk=ticket.person_id
        ).exists()
    if ticket.company_id is not None:
        company_visible = Company.objects.filter(
            visible_records_q(user), pk=ticket.company_id
        ).exists()
    return person_visible, company_visible


def customer_visibility_annotations(user: User) -> dict:
    """Whether `user` may see a ticket's person and its company, as annotations of the ticket
    query (`person_visible`, `company_visible`): read with the ticket, not by two more queries."""
    return {
        "person_visible": Exists(
            Person.objects.filter(visible_records_q(user), pk=OuterRef("person_id"))
        ),
        "company_visible": Exists(
            Company.objects.filter(visible_records_q(user), pk=OuterRef("company_id"))
        ),
    }
