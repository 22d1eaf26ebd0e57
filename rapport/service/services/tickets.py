"""Writes to tickets: create, update, status, assignment and merge.

Rules the services enforce:

- the whole input is validated first (`ValidationFailed` with a message per field), so nothing
  is half-saved; a person, company or order the actor may not see answers `NotFound` as if it
  did not exist (a ticket from e-mail or the web form has no actor and links what it found);
- only the ticket's team, its assignee and administrators change it (`may_work_on_ticket`);
- the assignee is an active member of the ticket's team (a ticket given to someone without a
  team stays without one); putting a ticket in another team's queue unassigns it;
- statuses: "new" only at creation, "reopened" only when a customer writes again (or an agent
  reopens a resolved or closed ticket); resolving sets `resolved_at`, closing `closed_at`;
  a complaint is closed only with a root cause and what was done, and closing it gives the
  customer's owner a follow-up task due within 24 hours;
- every change is announced (`record_changed("ticket", …)`) and the customer-facing steps go on
  the customer's timeline.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import Team, User
from rapport.activities.task_services import task_create_follow_up
from rapport.core.cleaning import (
    FieldErrors,
    clean_choice,
    clean_text,
    invalid,
    parse_int,
)
from rapport.core.errors import ApplicationError, NotFound, PermissionDenied, check_version
from rapport.customers.models import Company, Person, Tag
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.messaging.selectors import person_language
from rapport.sales.models import Order, Product
from rapport.service.access import may_see_ticket, may_work_on_ticket
from rapport.service.models import (
    OPEN_STATUSES,
    MessageKind,
    RootCause,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from rapport.service.services.assignment import ticket_auto_assign
from rapport.service.services.common import announce, customer_owner_id, locked, timeline
from rapport.service.services.complaints import clean_goodwill, complaint_goodwill_record
from rapport.service.services.conversation import add_message, clean_attachments

TICKET_FIELDS = (
    "subject",
    "body",
    "type",
    "category_id",
    "priority",
    "person_id",
    "company_id",
    "order_id",
    "product_id",
    "tag_ids",
    "custom",
    "team_id",
    "assignee_id",
    "language",
    "requester_email",
    "requester_name",
)
# The team, assignee and status change through their own services; the first message is the
# conversation's.
TICKET_UPDATE_FIELDS = tuple(
    f for f in TICKET_FIELDS if f not in ("body", "team_id", "assignee_id")
)
LANGUAGES = ("zh-hans", "en")
MAX_CUSTOM_KEYS = 50
MAX_BULK = 500
COMPLAINT_FOLLOW_UP = datetime.timedelta(hours=24)
STALE_TICKET = gettext_lazy(
    "Someone else changed this ticket while you were looking at it. Reload it to see their "
    "changes, then make yours again."
)
# Where an agent may move a ticket by hand; "new" and "reopened" are set by what happens.
SETTABLE_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.WAITING_CUSTOMER,
    TicketStatus.ON_HOLD,
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
    TicketStatus.REOPENED,
)


class TicketMerged(ApplicationError):
    """A ticket merged into another takes no more changes; work on the other one."""

    status = 409

    def __init__(self, message: str):
        super().__init__("ticket_merged", message)


# --- Cleaning ----------------------------------------------------------------------------------


def _clean_email(value: Any, errors: FieldErrors) -> str:
    text = clean_text(value, "requester_email", errors, limit=254).lower()
    if text:
        try:
            validate_email(text)
        except ValidationError:
            errors.add("requester_email", _("Enter a valid e-mail address."))
    return text


def _clean_custom(value: Any, errors: FieldErrors) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or len(value) > MAX_CUSTOM_KEYS:
        errors.add(
            "custom",
            _("Give an object of at most %(count)d fields.") % {"count": MAX_CUSTOM_KEYS},
        )
        return {}
    cleaned = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > 50:
            errors.add("custom", _("Field names are text of 1 to 50 characters."))
            continue
        if item is not None and not isinstance(item, str | int | float | bool):
            errors.add(f"custom.{key}", _("Give text, a number, true or false."))
            continue
        if isinstance(item, str):
            item = clean_text(item, f"custom.{key}", errors, limit=1000)
        cleaned[key] = item
    return cleaned


def _clean_id_list(
    value: Any, field: str, errors: FieldErrors, *, limit: int = 50
) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) > limit:
        errors.add(field, _("Give a list of at most %(count)d ids.") % {"count": limit})
        return None
    ids = [parse_int(v) for v in value]
    if any(i is None for i in ids):
        errors.add(field, _("Give a list of whole numbers."))
        return None
    return list(dict.fromkeys(ids))


def _clean_ticket(actor: User | None, data: dict, *, instance: Ticket | None) -> dict:
    """Validate `data` for a new ticket or the keys present for an update."""
    errors = FieldErrors()
    allowed = TICKET_FIELDS if instance is None else TICKET_UPDATE_FIELDS
    for key in data:
        if key not in allowed:
            if key in ("team_id", "assignee_id"):
                errors.add(key, _("Assign the ticket to change its team or assignee."))
            elif key == "status":
                errors.add(key, _("Change the status on its own."))
            else:
                errors.add(key, _("Unknown field."))
    columns: dict[str, Any] = {}
    if instance is None or "subject" in data:
        columns["subject"] = clean_text(
            data.get("subject"), "subject", errors, limit=300, required=True
        )
    body = ""
    if instance is None:
        body = clean_text(data.get("body"), "body", errors, limit=50_000)
    for key, choices in (("type", TicketType), ("priority", TicketPriority)):
        if data.get(key) not in (None, ""):
            columns[key] = clean_choice(
                data[key], key, errors, choices=choices.values, list_choices=True
            )
    if data.get("language") not in (None, ""):
        columns["language"] = clean_choice(
            data["language"], "language", errors, choices=LANGUAGES, list_choices=True
        )
    elif "language" in data:
        columns["language"] = ""
    if "requester_email" in data:
        columns["requester_email"] = _clean_email(data["requester_email"], errors)
    if "requester_name" in data:
        columns["requester_name"] = clean_text(
            data["requester_name"], "requester_name", errors, limit=200
        )
    if "custom" in data:
        columns["custom"] = _clean_custom(data["custom"], errors)
    tag_ids = _clean_id_list(data.get("tag_ids"), "tag_ids", errors) if "tag_ids" in data else None
    related: dict[str, Any] = {}
    if "category_id" in data:
        related["category"] = None
        if data["category_id"] not in (None, ""):
            category = TicketCategory.objects.filter(
                pk=parse_int(data["category_id"]), is_active=True
            ).first()
            if category is None:
                errors.add("category_id", _("There is no such category."))
            related["category"] = category
    if "product_id" in data:
        related["product"] = None
        if data["product_id"] not in (None, ""):
            product = Product.objects.filter(pk=parse_int(data["product_id"])).first()
            if product is None:
                errors.add("product_id", _("There is no such product."))
            related["product"] = product
    tags: list[Tag] | None = None
    if tag_ids is not None:
        tags = list(Tag.objects.filter(pk__in=tag_ids))
        if len(tags) != len(tag_ids):
            errors.add("tag_ids", _("There is no such tag."))
    team = assignee = None
    if instance is None:
        team, assignee = _clean_team_and_assignee(data, errors)
    errors.raise_if_any()

    # Visibility last: an id the actor may not see answers 404, as if it did not exist.
    for key in ("person_id", "company_id", "order_id"):
        if key not in data:
            continue
        name = key.removesuffix("_id")
        raw = data[key]
        if raw in (None, ""):
            related[name] = None
            continue
        record_id = parse_int(raw)
        if record_id is None:
            raise invalid(key, _("Enter a whole number."))
        related[name] = _customer_record(actor, name, record_id)
    return {
        "columns": columns,
        "related": related,
        "tags": tags,
        "body": body,
        "team": team,
        "assignee": assignee,
    }


def _customer_record(actor: User | None, name: str, record_id: int):
    if name == "person":
        if actor is None:
            return _exists(Person, record_id, _("Person not found."))
        return get_person_for_user(actor, record_id)
    if name == "company":
        if actor is None:
            return _exists(Company, record_id, _("Company not found."))
        return get_company_for_user(actor, record_id)
    orders = (
        Order.objects.all() if actor is None else Order.objects.filter(visible_records_q(actor))
    )
    order = orders.filter(pk=record_id).first()
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def _exists(model, record_id: int, message: str):
    record = model.objects.filter(pk=record_id).first()
    if record is None:
        raise NotFound(message)
    return record


def _clean_team_and_assignee(data: dict, errors: FieldErrors) -> tuple[Team | None, User | None]:
    team = assignee = None
    if data.get("team_id") not in (None, ""):
        team = Team.objects.filter(pk=parse_int(data["team_id"])).first()
        if team is None:
            errors.add("team_id", _("There is no such team."))
            return None, None
    if data.get("assignee_id") not in (None, ""):
        assignee = User.objects.filter(pk=parse_int(data["assignee_id"]), is_active=True).first()
        if assignee is None:
            errors.add("assignee_id", _("There is no such active user."))
        elif team is not None and assignee.team_id != team.pk:
            errors.add("assignee_id", _("Choose a member of the ticket's team."))
        elif team is None and assignee.team_id is not None:
            team = assignee.team
    return team, assignee


# --- Create, update ----------------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *,
    actor: User | None,
    data: dict,
    channel: str = TicketChannel.AGENT,
    attachments: Iterable = (),
    message_id: str = "",
    inbound_id: int | None = None,
    body_html: str = "",
    reopened_from: Ticket | None = None,
    auto_assign: bool = True,
) -> Ticket:
    """Open a ticket from `data` (keys of TICKET_FIELDS; `subject` is required).

    `body` is the customer's first message (what they wrote, or what the agent noted of a
    call); it is written as the customer's message with the agent as who recorded it. Without a
    team and assignee the assignment rules choose (`ticket_auto_assign`); an actor who creates
    a ticket no rule places keeps it in their own team's queue. `actor` None is the system (an
    e-mail, the web form): no visibility check is made on the linked records.
    """
    if channel not in TicketChannel.values:
        raise ValueError(f"unknown channel {channel!r}")
    cleaned = _clean_ticket(actor, data, instance=None)
    errors = FieldErrors()
    files = clean_attachments(attachments, errors)
    errors.raise_if_any()
    columns, related = cleaned["columns"], cleaned["related"]
    if related.get("person") is None and related.get("order") is not None:
        related["person"] = related["order"].person
    if related.get("company") is None and related.get("order") is not None:
        related["company"] = related["order"].company
    ticket = Ticket(
        **columns,
        **related,
        channel=channel,
        status=TicketStatus.NEW,
        team=cleaned["team"],
        assignee=cleaned["assignee"],
        reopened_from=reopened_from,
    )
    if not ticket.language:
        ticket.language = _guess_language(ticket, cleaned["body"])
    ticket.customer_owner_id = customer_owner_id(ticket)
    if ticket.person_id is not None and ticket.requester_email == "":
        ticket.requester_email = (ticket.person.primary_email or "").lower()
    ticket.save()
    if cleaned["tags"]:
        ticket.tags.set(cleaned["tags"])
    if cleaned["body"] or files:
        add_message(
            ticket,
            kind=MessageKind.CUSTOMER_MESSAGE,
            body=cleaned["body"],
            body_html=body_html,
            author_user=actor,
            author_person=ticket.person,
            message_id=message_id,
            inbound_id=inbound_id,
            attachments=files,
        )
        ticket.last_customer_message_at = ticket.created_at
        ticket.save(update_fields=["last_customer_message_at"])
    if auto_assign and ticket.team_id is None and ticket.assignee_id is None:
        ticket_auto_assign(ticket, text=cleaned["body"])
        if ticket.team_id is None and actor is not None and actor.team_id is not None:
            ticket.team_id = actor.team_id
            ticket.save(update_fields=["team"])
    timeline(
        ticket,
        kind="ticket.created",
        actor_id=actor.pk if actor else None,
        when=ticket.created_at,
        body=cleaned["body"],
        data={"channel": channel},
    )
    announce(ticket, "created", actor=actor)
    return ticket


def _guess_language(ticket: Ticket, body: str) -> str:
    if ticket.person_id is not None:
        return person_language(ticket.person)
    text = f"{ticket.subject} {body[:500]}"
    return "zh-hans" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def _require_worker(actor: User, ticket: Ticket) -> None:
    if not may_work_on_ticket(actor, ticket):
        if may_see_ticket(actor, ticket):
            raise PermissionDenied(_("Only the ticket's team and assignee can do this."))
        raise NotFound(_("Ticket not found."))


def _refuse_merged(ticket: Ticket) -> None:
    if ticket.merged_into_id is not None:
        raise TicketMerged(
            _("This ticket was merged into %(number)s; work on that one.")
            % {"number": ticket.merged_into.number}
        )


@transaction.atomic
def ticket_update(*, actor: User, ticket: Ticket, data: dict, version: int | None = None) -> Ticket:
    """Apply the keys present in `data` (TICKET_UPDATE_FIELDS). `version` is the version the
    editor loaded; None skips the check."""
    ticket = locked(ticket)
    _require_worker(actor, ticket)
    check_version(ticket, version, STALE_TICKET)
    _refuse_merged(ticket)
    cleaned = _clean_ticket(actor, data, instance=ticket)
    columns, related = cleaned["columns"], cleaned["related"]
    changed = [f for f, v in columns.items() if getattr(ticket, f) != v]
    changed += [
        f for f, v in related.items() if getattr(ticket, f"{f}_id") != (v.pk if v else None)
    ]
    for name, value in {**columns, **related}.items():
        setattr(ticket, name, value)
    if {"person", "company"} & set(changed):
        ticket.customer_owner_id = customer_owner_id(ticket)
    if cleaned["tags"] is not None:
        before = set(ticket.tags.values_list("pk", flat=True))
        if before != {t.pk for t in cleaned["tags"]}:
            ticket.tags.set(cleaned["tags"])
            changed.append("tags")
    ticket.version += 1
    ticket.save()
    announce(ticket, "updated", actor=actor, changed=changed)
    return ticket


# --- Status ------------------------------------------------------------------------------------


@transaction.atomic
def ticket_change_status(
    *,
    actor: User,
    ticket: Ticket,
    status: str,
    root_cause: str = "",
    resolution: str = "",
    goodwill_kind: str = "",
    goodwill: str = "",
    version: int | None = None,
) -> Ticket:
    """Move the ticket to `status` (SETTABLE_STATUSES); see the module docstring. Closing a
    complaint may record a goodwill gesture (`services.complaints`)."""
    ticket = locked(ticket)
    _require_worker(actor, ticket)
    check_version(ticket, version, STALE_TICKET)
    _refuse_merged(ticket)
    errors = FieldErrors()
    status = clean_choice(status, "status", errors, choices=SETTABLE_STATUSES, list_choices=True)
    closing_complaint = status == TicketStatus.CLOSED and ticket.type == TicketType.COMPLAINT
    if root_cause not in (None, ""):
        root_cause = clean_choice(
            root_cause, "root_cause", errors, choices=RootCause.values, list_choices=True
        )
    resolution = clean_text(resolution, "resolution", errors, limit=10_000)
    goodwill_kind, goodwill = clean_goodwill(
        goodwill_kind,
        goodwill,
        errors,
        closing_complaint=closing_complaint and ticket.status != TicketStatus.CLOSED,
    )
    if closing_complaint:
        if not (root_cause or ticket.root_cause):
            errors.add("root_cause", _("Give the complaint's root cause before closing it."))
        if not (resolution or ticket.resolution):
            errors.add("resolution", _("Say what was done before closing the complaint."))
    if status == TicketStatus.REOPENED and ticket.status not in (
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    ):
        errors.add("status", _("Only a resolved or closed ticket can be reopened."))
    errors.raise_if_any()
    if status == ticket.status:
        return ticket
    now = timezone.now()
    previous = ticket.status
    changed = ["status"]
    ticket.status = status
    if root_cause:
        ticket.root_cause = root_cause
        changed.append("root_cause")
    if resolution:
        ticket.resolution = resolution
        changed.append("resolution")
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        changed.append("resolved_at")
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
        changed += ["closed_at", "resolved_at"]
    elif previous in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.resolved_at = ticket.closed_at = None
        changed += ["resolved_at", "closed_at"]
    ticket.version += 1
    ticket.save()
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.REOPENED):
        timeline(
            ticket,
            kind=f"ticket.{status}",
            actor_id=actor.pk,
            when=now,
            body=ticket.resolution if status != TicketStatus.REOPENED else "",
            data={"root_cause": ticket.root_cause},
        )
    if closing_complaint:
        _complaint_follow_up(ticket, now=now)
        if goodwill_kind:
            complaint_goodwill_record(
                ticket, actor=actor, kind=goodwill_kind, text=goodwill, now=now
            )
    announce(ticket, "updated", actor=actor, changed=changed)
    return ticket


def _complaint_follow_up(ticket: Ticket, *, now: datetime.datetime) -> None:
    """A call to confirm the customer is satisfied, for the customer's owner, within 24 h."""
    if ticket.customer_owner_id is None:
        return
    owner = User.objects.filter(pk=ticket.customer_owner_id, is_active=True).first()
    if owner is None:
        return
    with translation.override(owner.language):
        title = _("Call to confirm the customer is satisfied with complaint %(number)s") % {
            "number": ticket.number
        }
    task_create_follow_up(
        assignee=owner,
        title=title,
        due_at=now + COMPLAINT_FOLLOW_UP,
        person_id=ticket.person_id,
        company_id=ticket.company_id,
        subject=ticket,
        subject_label=str(ticket)[:200],
    )


# --- Assignment --------------------------------------------------------------------------------


def _clean_assignment(
    actor: User, ticket: Ticket, assignee_id: Any, team_id: Any
) -> tuple[Team | None, User | None]:
    """The team and assignee `ticket_assign` asks for; `team_id` ... keeps the ticket's team
    (or takes the new assignee's)."""
    errors = FieldErrors()
    team: Team | None = ticket.team
    if team_id is not ...:
        team = None
        if team_id not in (None, ""):
            team = Team.objects.filter(pk=parse_int(team_id)).first()
            if team is None:
                errors.add("team_id", _("There is no such team."))
    assignee = None
    if assignee_id not in (None, ""):
        assignee = User.objects.filter(pk=parse_int(assignee_id), is_active=True).first()
        if assignee is None:
            errors.add("assignee_id", _("There is no such active user."))
        elif not (
            actor.is_administrator
            or assignee.pk == actor.pk
            or (actor.team_id is not None and assignee.team_id == actor.team_id)
        ):
            errors.add("assignee_id", _("You can only give tickets to members of your team."))
        elif team_id is ...:
            team = assignee.team if assignee.team_id is not None else team
        elif team is not None and assignee.team_id != team.pk:
            errors.add("assignee_id", _("Choose a member of the ticket's team."))
    errors.raise_if_any()
    return team, assignee


def _assign(actor: User | None, ticket: Ticket, team: Team | None, assignee: User | None) -> list:
    changed = []
    if ticket.team_id != (team.pk if team else None):
        ticket.team = team
        changed.append("team")
    if ticket.assignee_id != (assignee.pk if assignee else None):
        ticket.assignee = assignee
        changed.append("assignee")
    if changed:
        ticket.version += 1
        ticket.save()
        announce(ticket, "updated", actor=actor, changed=changed)
    return changed


@transaction.atomic
def ticket_assign(
    *, actor: User, ticket: Ticket, assignee_id: Any = None, team_id: Any = ...
) -> Ticket:
    """Give the ticket to `assignee_id` (None: nobody) and/or put it in `team_id`'s queue.

    Leaving `team_id` out keeps the ticket's team (or takes the assignee's, when it is given to
    someone of another team by someone who may). Non-administrators give tickets to themselves
    or their team's members.
    """
    ticket = locked(ticket)
    _require_worker(actor, ticket)
    _refuse_merged(ticket)
    team, assignee = _clean_assignment(actor, ticket, assignee_id, team_id)
    _assign(actor, ticket, team, assignee)
    return ticket


@transaction.atomic
def tickets_assign_bulk(
    *, actor: User, ticket_ids: list, assignee_id: Any = None, team_id: Any = ...
) -> int:
    """`ticket_assign` for up to MAX_BULK tickets at once, all or none: a ticket the actor may
    not work on or that was merged refuses the whole batch. Returns how many changed."""
    errors = FieldErrors()
    ids = _clean_id_list(ticket_ids, "ticket_ids", errors, limit=MAX_BULK)
    if ids == []:
        errors.add("ticket_ids", _("Choose at least one ticket."))
    errors.raise_if_any()
    tickets = list(
        Ticket.objects.select_for_update(of=("self",))
        .select_related("team", "merged_into")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(tickets) != len(ids):
        raise NotFound(_("Ticket not found."))
    count = 0
    for ticket in tickets:
        _require_worker(actor, ticket)
        _refuse_merged(ticket)
        team, assignee = _clean_assignment(actor, ticket, assignee_id, team_id)
        if _assign(actor, ticket, team, assignee):
            count += 1
    return count


# --- Merge -------------------------------------------------------------------------------------


@transaction.atomic
def ticket_merge(*, actor: User, source: Ticket, target: Ticket) -> Ticket:
    """Merge `source` into `target`: its messages (and their attachments) move to `target`, its
    tags are added there, and `source` is closed and points at `target`. Both must be tickets
    the actor works on, neither merged already."""
    if source.pk == target.pk:
        raise invalid("target_id", _("A ticket cannot be merged into itself."))
    first, second = sorted((source.pk, target.pk))
    rows = {
        t.pk: t
        for t in Ticket.objects.select_for_update(of=("self",))
        .select_related("merged_into")
        .filter(pk__in=(first, second))
        .order_by("pk")
    }
    source, target = rows[source.pk], rows[target.pk]
    _require_worker(actor, source)
    _require_worker(actor, target)
    _refuse_merged(source)
    _refuse_merged(target)
    now = timezone.now()
    moved = TicketMessage.objects.filter(ticket=source).update(ticket=target)
    target.tags.add(*source.tags.all())
    with translation.override(actor.language):
        note = ngettext(
            "%(source)s was merged into this ticket (%(count)d message).",
            "%(source)s was merged into this ticket (%(count)d messages).",
            moved,
        ) % {"source": source.number, "count": moved}
    add_message(target, kind=MessageKind.INTERNAL_NOTE, body=note, author_user=actor)
    if target.last_customer_message_at is None or (
        source.last_customer_message_at
        and source.last_customer_message_at > target.last_customer_message_at
    ):
        target.last_customer_message_at = source.last_customer_message_at
    target.version += 1
    target.save()
    source.merged_into = target
    source.status = TicketStatus.CLOSED
    source.closed_at = now
    source.resolved_at = source.resolved_at or now
    source.version += 1
    source.save()
    # The merge is a step of the customer's story: the merged ticket's customer reads where
    # its conversation went, and the target's customer, when another, what joined theirs.
    timeline(
        source,
        kind="ticket.merged",
        actor_id=actor.pk,
        when=now,
        data={"into": target.number},
    )
    if (target.person_id, target.company_id) != (source.person_id, source.company_id):
        timeline(
            target,
            kind="ticket.merged_in",
            actor_id=actor.pk,
            when=now,
            data={"source": source.number},
        )
    announce(source, "updated", actor=actor, changed=["merged_into", "status", "closed_at"])
    announce(target, "updated", actor=actor, changed=["messages", "tags"])
    return target


# --- Following the customer --------------------------------------------------------------------


def tickets_follow_customer(*, person_id: int | None = None, company_id: int | None = None) -> int:
    """Keep `customer_owner` of the customer's tickets in step after it changed hands."""
    if person_id is not None:
        owner_id = Person.objects.filter(pk=person_id).values_list("owner_id", flat=True).first()
        tickets = Ticket.objects.filter(person_id=person_id)
    else:
        owner_id = Company.objects.filter(pk=company_id).values_list("owner_id", flat=True).first()
        tickets = Ticket.objects.filter(company_id=company_id, person__isnull=True)
    return tickets.exclude(customer_owner_id=owner_id).update(customer_owner_id=owner_id)


def tickets_refresh_customer_owner(*, ticket_ids: list[int]) -> int:
    """Recompute `customer_owner` of these tickets from their person (else company), after
    something moved them to another customer (a merge of two persons). Two UPDATEs."""
    person_owner = Person.objects.filter(pk=OuterRef("person_id")).values("owner_id")[:1]
    company_owner = Company.objects.filter(pk=OuterRef("company_id")).values("owner_id")[:1]
    tickets = Ticket.objects.filter(pk__in=ticket_ids)
    count = tickets.filter(person__isnull=False).update(customer_owner_id=Subquery(person_owner))
    count += tickets.filter(person__isnull=True, company__isnull=False).update(
        customer_owner_id=Subquery(company_owner)
    )
    return count


def open_ticket_count(user: User) -> int:
    return Ticket.objects.filter(assignee=user, status__in=OPEN_STATUSES).count()
