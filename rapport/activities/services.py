"""Writes to interactions, the timeline and notifications (tasks: `task_services`)."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities.mentions import interaction_mentions_notify
from rapport.activities.models import (
    Channel,
    Direction,
    Interaction,
    Notification,
    TimelineEntry,
)
from rapport.core.cleaning import visible_text
from rapport.core.errors import ValidationFailed
from rapport.core.records import record_changed
from rapport.customers.models import Company, Employment, Person

INTERACTION_FIELDS = ("channel", "direction", "occurred_at", "subject", "content", "outcome")


def timeline_add(
    *,
    kind: str,
    title: str,
    person_id: int | None = None,
    company_id: int | None = None,
    occurred_at: datetime.datetime | None = None,
    body: str = "",
    actor_id: int | None = None,
    source_type: str = "",
    source_id: int | None = None,
    data: dict | None = None,
    about: models.Model | None = None,
) -> TimelineEntry:
    """Add one entry to a customer's timeline: the one door every module uses.

    `kind` is a stable machine name ("interaction.call", "order.paid", …) that templates use to
    choose an icon. `title` and `body` are what people read: user text as typed, or empty for
    kinds whose wording `TimelineEntry.display_title` supplies in the reader's language.
    Takes ids, not objects, so an event handler can call it without loading the records.
    `about` is the record of a higher app the entry is about (a deal), whose own page shows it
    (`timeline_for_record`); an entry about such a record needs no person or company.
    """
    if person_id is None and company_id is None and about is None:
        raise ValueError("A timeline entry belongs to a person, a company or a record.")
    return TimelineEntry.objects.create(
        person_id=person_id,
        company_id=company_id,
        kind=kind,
        title=title[:200],
        body=body,
        occurred_at=occurred_at or timezone.now(),
        actor_id=actor_id,
        source_type=source_type,
        source_id=source_id,
        data=data or {},
        about_type=ContentType.objects.get_for_model(about) if about is not None else None,
        about_id=about.pk if about is not None else None,
    )


def timeline_add_many(entries: list[dict]) -> list[TimelineEntry]:
    """`timeline_add` for many entries in one INSERT; each dict takes its keyword arguments but
    `about` (entries of a person or a company). Returns the entries with their ids."""
    now = timezone.now()
    rows = []
    for entry in entries:
        if entry.get("person_id") is None and entry.get("company_id") is None:
            raise ValueError("A timeline entry belongs to a person or a company.")
        rows.append(
            TimelineEntry(
                person_id=entry.get("person_id"),
                company_id=entry.get("company_id"),
                kind=entry["kind"],
                title=entry.get("title", "")[:200],
                body=entry.get("body", ""),
                occurred_at=entry.get("occurred_at") or now,
                actor_id=entry.get("actor_id"),
                source_type=entry.get("source_type", ""),
                source_id=entry.get("source_id"),
                data=entry.get("data") or {},
            )
        )
    return TimelineEntry.objects.bulk_create(rows)


def timeline_refresh(*, entries: dict[int, dict]) -> None:
    """Set `data` and/or `occurred_at` of existing entries {entry id: {field: value}}.

    For an entry a higher app keeps current as its record grows (a visit's counts in
    behaviour): one UPDATE for all the entries, however many there are.
    """
    fields = sorted({field for values in entries.values() for field in values})
    if not entries:
        return
    if not set(fields) <= {"data", "occurred_at"}:
        raise ValueError("Only data and occurred_at of a timeline entry can be refreshed.")
    if any(sorted(values) != fields for values in entries.values()):
        raise ValueError("Give every entry the same fields.")
    # One executemany rather than `bulk_update`, whose CASE per row and field costs more in
    # Python than the UPDATE itself once there are a few dozen entries.
    columns = [TimelineEntry._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE id = %s".format(  # noqa: S608 (names from the model)
        quote(TimelineEntry._meta.db_table),
        ", ".join(f"{quote(column.column)} = %s" for column in columns),
    )
    params = [
        [column.get_db_prep_save(values.get(column.name), connection) for column in columns] + [pk]
        for pk, values in entries.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _parse_when(value, errors: dict) -> datetime.datetime | None:
    if value in (None, ""):
        return timezone.now()
    if isinstance(value, datetime.datetime):
        when = value
    else:
        try:
            when = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors["occurred_at"] = [_("Enter a date and time, e.g. 2026-05-01 14:30.")]
            return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + datetime.timedelta(days=366):
        errors["occurred_at"] = [_("This is too far in the future.")]
    return when


def _clean_interaction(data: dict, *, partial: bool) -> dict:
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in INTERACTION_FIELDS:
            errors[key] = [_("Unknown field.")]
    cleaned = {}
    if "channel" in data or not partial:
        if data.get("channel") not in Channel.values:
            errors["channel"] = [
                _("“%(value)s” is not a valid choice.") % {"value": data.get("channel")}
            ]
        cleaned["channel"] = data.get("channel")
    if "direction" in data or not partial:
        direction = data.get("direction") or Direction.OUTBOUND
        if direction not in Direction.values:
            errors["direction"] = [_("“%(value)s” is not a valid choice.") % {"value": direction}]
        cleaned["direction"] = direction
    if "occurred_at" in data or not partial:
        cleaned["occurred_at"] = _parse_when(data.get("occurred_at"), errors)
    for key, limit, required in (
        ("subject", 200, True),
        ("content", 20000, False),
        ("outcome", 200, False),
    ):
        if key not in data and partial:
            continue
        value = data.get(key) or ""
        if not isinstance(value, str):
            errors[key] = [_("Enter text.")]
            continue
        value = visible_text(value)
        if required and not value:
            errors[key] = [_("This field is required.")]
        elif len(value) > limit:
            errors[key] = [
                _("Use at most %(limit)d characters (it has %(count)d).")
                % {"limit": limit, "count": len(value)}
            ]
        cleaned[key] = value
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors)
    return cleaned


def _primary_company(person: Person) -> Company | None:
    employment = (
        Employment.objects.filter(person=person, is_primary=True).select_related("company").first()
    )
    return employment.company if employment else None


def _timeline_data(interaction: Interaction, about_label: str = "") -> dict:
    data = {
        "channel": interaction.channel,
        "direction": interaction.direction,
        "outcome": interaction.outcome,
    }
    if about_label:
        data["about_label"] = about_label[:200]
    return data


@transaction.atomic
def interaction_create(
    *,
    actor: User,
    data: dict,
    person: Person | None = None,
    company: Company | None = None,
    about: models.Model | None = None,
) -> Interaction:
    """Log an interaction with a person (and their primary company) or a company, and/or on a
    record of a higher app (`about`: a deal, a lead).

    An interaction on a record is given that record's person and company by the caller, so it
    shows on the record's timeline and on theirs; the entry keeps the record's name
    (`data["about_label"]`) for the customer's timeline to say what it was about. The caller
    has already checked that `actor` may see the customer and the record.
    """
    if person is None and company is None and about is None:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"person_id": [_("Choose a person or a company.")]},
        )
    cleaned = _clean_interaction(data, partial=False)
    if person is not None and company is None and about is None:
        company = _primary_company(person)
    about_type = ContentType.objects.get_for_model(about) if about is not None else None
    interaction = Interaction.objects.create(
        person=person,
        company=company,
        logged_by=actor,
        about_type=about_type,
        about_id=about.pk if about is not None else None,
        **cleaned,
    )
    timeline_add(
        kind=f"interaction.{interaction.channel}",
        title=interaction.subject,
        body=interaction.content,
        person_id=person.pk if person else None,
        company_id=company.pk if company else None,
        occurred_at=interaction.occurred_at,
        actor_id=actor.pk,
        source_type="interaction",
        source_id=interaction.pk,
        data=_timeline_data(interaction, str(about) if about is not None else ""),
        about=about,
    )
    record_changed("interaction", interaction.pk, "created", actor=actor)
    interaction_mentions_notify(actor=actor, interaction=interaction)
    return interaction


@transaction.atomic
def interaction_update(*, actor: User, interaction: Interaction, data: dict) -> Interaction:
    cleaned = _clean_interaction(data, partial=True)
    changed = [f for f, v in cleaned.items() if getattr(interaction, f) != v]
    for field, value in cleaned.items():
        setattr(interaction, field, value)
    interaction.save()
    entries = TimelineEntry.objects.filter(source_type="interaction", source_id=interaction.pk)
    previous = entries.values_list("data", flat=True).first() or {}
    entries.update(
        kind=f"interaction.{interaction.channel}",
        title=interaction.subject[:200],
        body=interaction.content,
        occurred_at=interaction.occurred_at,
        data=_timeline_data(interaction, previous.get("about_label", "")),
    )
    record_changed("interaction", interaction.pk, "updated", changed_fields=changed, actor=actor)
    if {"content", "outcome"} & set(changed):
        interaction_mentions_notify(actor=actor, interaction=interaction)
    return interaction


@transaction.atomic
def interaction_delete(*, actor: User, interaction: Interaction) -> None:
    TimelineEntry.objects.filter(source_type="interaction", source_id=interaction.pk).delete()
    pk = interaction.pk
    interaction.delete()
    record_changed("interaction", pk, "deleted", actor=actor)


@transaction.atomic
def record_activity_delete(*, record: models.Model) -> None:
    """Before a higher app deletes a record (a deal), remove what was only about it.

    Interactions and timeline entries that also belong to a customer stay on that customer's
    timeline as history (they keep the record's name); those about the record alone would
    otherwise be readable by no one.
    """
    about = {"about_type": ContentType.objects.get_for_model(record), "about_id": record.pk}
    alone = {"person__isnull": True, "company__isnull": True}
    interaction_ids = list(
        Interaction.objects.filter(**about, **alone).values_list("pk", flat=True)
    )
    TimelineEntry.objects.filter(source_type="interaction", source_id__in=interaction_ids).delete()
    Interaction.objects.filter(**about, **alone).delete()
    TimelineEntry.objects.filter(**about, **alone).delete()
    for pk in interaction_ids:
        record_changed("interaction", pk, "deleted")


# --- Notifications ------------------------------------------------------------------------------


def notification_create(
    *,
    recipient: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    actor_id: int | None = None,
    target_type: str = "",
    target_id: int | None = None,
) -> Notification:
    """Put one message in `recipient`'s in-app inbox (the bell in the top bar).

    `kind` is a stable machine name ("task.assigned", "deal.won", …). `title` is the record's
    own text (a task's title); `Notification.display_title` words known kinds around it in the
    reader's language. Any app may call this; it checks nothing about who may see what, so the
    caller must only notify people about records they may see.
    """
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=title[:200],
        body=body,
        url=url[:500],
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
    )


def notification_create_many(rows: list[dict]) -> int:
    """`notification_create` for many messages at once (a periodic check's batch): each row has
    the keyword arguments of `notification_create`, with `recipient_id` for `recipient`. The
    caller checks that each recipient may see what the row is about.

    One prepared INSERT run for all rows (`executemany`), not the ORM's per-row statement
    building: a check that escalates 100,000 tickets writes 200,000 of these."""
    if not rows:
        return 0
    table = connection.ops.quote_name(Notification._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = "recipient_id, kind, title, body, url, actor_id, target_type, target_id, created_at"
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
            [
                (
                    row["recipient_id"],
                    row["kind"][:40],
                    row["title"][:200],
                    row.get("body", ""),
                    row.get("url", "")[:500],
                    row.get("actor_id"),
                    row.get("target_type", "")[:40],
                    row.get("target_id"),
                    now,
                )
                for row in rows
            ],
        )
    return len(rows)


def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's unread notifications read: those in `ids`, or all when `ids` is None.

    Ids of other users' notifications are ignored. Returns how many were marked.
    """
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
