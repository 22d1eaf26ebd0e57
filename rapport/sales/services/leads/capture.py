"""Capturing leads (by hand, through the API, by an import, from a public web form) and
changing, disqualifying and deleting them, with their history.
"""

import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.access import clean_owner, clean_owner_team
from rapport.accounts.models import Team, User
from rapport.activities import task_services
from rapport.activities.models import Channel, TaskStatus
from rapport.core.cleaning import FieldErrors, clean_choice, invalid, too_long
from rapport.core.errors import ApplicationError, check_version
from rapport.core.records import record_changed, record_deletion
from rapport.sales.models import Lead, LeadForm, LeadStatus
from rapport.sales.models.leads import LeadCaptureChannel, LeadEvent, LeadEventKind
from rapport.sales.selectors.leads import OPEN_STATUSES, lead_tasks
from rapport.sales.services.leads.assignment import _assign_by_rules, _follow_up_ensure
from rapport.sales.services.leads.common import (
    MESSAGE_MAX,
    LeadClosed,
    _clean_lead,
    _event,
    _max_length,
    _require_open,
)
from rapport.sales.services.leads.scoring import _comparable, lead_score_recompute
from rapport.sales.services.leads.settings import FORM_COLUMN_TYPES, HONEYPOT_FIELD

CONTACT_CHANNELS = tuple(c for c in Channel.values if c != Channel.NOTE)


class RateLimited(ApplicationError):
    status = 429

    def __init__(self, message: str):
        super().__init__("rate_limited", message)


def _clean_owner(actor: User, data: dict, errors: FieldErrors) -> tuple[User | None, Team | None]:
    owner: User | None = actor
    if data.get("owner_id") is not None:
        owner = clean_owner(actor, data["owner_id"], errors)
    team = owner.team if owner else None
    if data.get("team_id") is not None:
        team = clean_owner_team(actor, data["team_id"], errors)
    return owner, team


# How `check_version` refuses an edit of a stale lead.
STALE_LEAD = gettext_lazy(
    "Someone else changed this lead while you were editing it. Reload it to see "
    "their changes, then make yours again."
)


# --- Create, update, history ---------------------------------------------------------------------


def _create(
    *,
    actor: User | None,
    columns: dict,
    owner: User | None,
    team: Team | None,
    channel: str,
    form: LeadForm | None = None,
    auto_assign: bool,
    capture_data: dict | None = None,
) -> Lead:
    lead = Lead(**columns, owner=owner, team=team, form=form)
    lead.save()
    _event(
        lead,
        LeadEventKind.CREATED,
        actor=actor,
        data={
            "via": channel,
            "source": lead.source,
            "campaign": lead.campaign,
            **(capture_data or {}),
        },
    )
    if lead.message or channel == LeadCaptureChannel.FORM:
        _event(
            lead,
            LeadEventKind.INQUIRY,
            body=lead.message,
            data={"form": form.name} if form else {},
        )
    if auto_assign:
        _assign_by_rules(lead, actor=actor)
    elif owner is not None:
        if actor is None or owner.pk != actor.pk:
            _event(
                lead,
                LeadEventKind.ASSIGNED,
                actor=actor,
                data={"owner": str(owner), "owner_id": owner.pk, "rule": ""},
            )
        _follow_up_ensure(lead)
    lead_score_recompute(lead)
    record_changed("lead", lead.pk, "created", actor=actor)
    return lead


@transaction.atomic
def lead_create(*, actor: User, data: dict, channel: str = LeadCaptureChannel.MANUAL) -> Lead:
    """Create a lead entered by hand, through the API or by an import.

    `data` takes the keys of LEAD_FIELDS plus `owner_id` (default: the actor), `team_id`
    (administrators; default: the owner's team) and `auto_assign` (true: the assignment rules
    choose the owner instead). Form and import leads are always assigned by the rules.
    """
    if channel not in LeadCaptureChannel.values:
        raise ValueError(f"Unknown capture channel {channel!r}")
    errors = FieldErrors()
    columns = _clean_lead(data, errors, instance=None)
    auto_assign = channel == LeadCaptureChannel.IMPORT or data.get("auto_assign") is True
    if auto_assign and data.get("owner_id") is not None:
        errors.add("owner_id", _("Choose an owner or assignment by the rules, not both."))
    owner, team = _clean_owner(actor, data, errors)
    errors.raise_if_any()
    if auto_assign:
        owner = None
        team = team if data.get("team_id") is not None else None
    return _create(
        actor=actor,
        columns=columns,
        owner=owner,
        team=team,
        channel=channel,
        auto_assign=auto_assign,
    )


@transaction.atomic
def lead_update(*, actor: User, lead: Lead, data: dict, version: int | None) -> Lead:
    """Apply the keys present in `data` (LEAD_FIELDS); keys left out keep their value.

    `version` is the version the editor loaded (None skips the check). Setting the status of a
    disqualified lead back to new, contacted or qualified reopens it. Owners change through
    `lead_assign_to`.
    """
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    check_version(lead, version, STALE_LEAD)
    if lead.status == LeadStatus.CONVERTED:
        raise LeadClosed(_("This lead was converted; it can no longer be changed."))
    errors = FieldErrors()
    cleaned = _clean_lead(data, errors, instance=lead)
    errors.raise_if_any()
    old_status = lead.status
    changed = [f for f, v in cleaned.items() if getattr(lead, f) != v]
    for field, value in cleaned.items():
        setattr(lead, field, value)
    if lead.status != old_status:
        lead.disqualify_reason = ""
    lead.version += 1
    lead.save()
    if lead.status != old_status:
        _event(
            lead,
            LeadEventKind.STATUS,
            actor=actor,
            data={"from": old_status, "to": lead.status},
        )
        _follow_up_ensure(lead)
    lead_score_recompute(lead)
    record_changed("lead", lead.pk, "updated", changed_fields=changed, actor=actor)
    return lead


@transaction.atomic
def lead_delete(*, actor: User, lead: Lead) -> None:
    """Delete a lead with its history and its tasks (a deal made from it keeps its own data).

    The deals made from it lose their link (`Deal.lead`); `record_deletion` announces them as
    updated with that field, with the lead itself, as every other deletion does."""
    for task in lead_tasks(lead):
        task_services.task_delete(actor=actor, task=task)
    record_deletion([lead], actor=actor)


@transaction.atomic
def lead_event_add(
    *, actor: User, lead: Lead, kind: str, body: str = "", channel: str = ""
) -> LeadEvent:
    """Add a note, or log a contact (a call, an e-mail, a meeting…) to the lead's history.

    A contact marks the lead contacted (a new lead becomes "contacted") and counts as an
    interaction for scoring.
    """
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == LeadStatus.CONVERTED:
        raise LeadClosed(_("This lead was converted; add notes on the customer's timeline."))
    errors = FieldErrors()
    if kind not in (LeadEventKind.NOTE, LeadEventKind.CONTACT):
        errors.add("kind", _("Choose note or contact."))
    if not isinstance(body, str):
        errors.add("body", _("Enter text."))
        body = ""
    body = body.strip()
    if len(body) > MESSAGE_MAX:
        errors.add("body", too_long(MESSAGE_MAX, len(body)))
    if kind == LeadEventKind.NOTE and not body:
        errors.add("body", _("This field is required."))
    if kind == LeadEventKind.CONTACT:
        clean_choice(channel, "channel", errors, choices=CONTACT_CHANNELS)
    errors.raise_if_any()
    if kind == LeadEventKind.NOTE:
        event = _event(lead, kind, actor=actor, body=body)
    else:
        event = _event(lead, kind, actor=actor, body=body, data={"channel": channel})
        lead.last_contacted_at = event.occurred_at
        if lead.status == LeadStatus.NEW:
            lead.status = LeadStatus.CONTACTED
        lead.version += 1
        lead.save(update_fields=["last_contacted_at", "status", "version", "updated_at"])
        record_changed(
            "lead", lead.pk, "updated", changed_fields=["last_contacted_at", "status"], actor=actor
        )
    lead_score_recompute(lead)
    return event


@transaction.atomic
def lead_disqualify(*, actor: User, lead: Lead, reason: str) -> Lead:
    """Close the lead as not worth pursuing, with a reason; its open follow-up is cancelled."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    _require_open(lead)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    limit = _max_length("disqualify_reason")
    if not reason:
        raise invalid("reason", _("Give a reason."))
    if len(reason) > limit:
        raise invalid("reason", too_long(limit, len(reason)))
    lead.status = LeadStatus.DISQUALIFIED
    lead.disqualify_reason = reason
    lead.version += 1
    lead.save(update_fields=["status", "disqualify_reason", "version", "updated_at"])
    _event(lead, LeadEventKind.DISQUALIFIED, actor=actor, data={"reason": reason})
    record_changed(
        "lead", lead.pk, "updated", changed_fields=["status", "disqualify_reason"], actor=actor
    )
    for task in lead_tasks(lead).filter(status=TaskStatus.OPEN):
        task_services.task_cancel(actor=actor, task=task)
    lead_score_recompute(lead)
    return lead


# --- Submissions of the public web forms ---------------------------------------------------------


def _rate_limit_hit(ip: str) -> bool:
    """Count one submission from `ip` in the current minute; True when over the limit."""
    limit = settings.RAPPORT_LEAD_FORM_RATE_LIMIT
    if limit <= 0:
        return False
    key = f"rapport:lead-form:{ip}:{int(time.time() // 60)}"
    if cache.add(key, 1, timeout=120):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        return False


def _clean_answers(lead_form: LeadForm, data: dict, errors: FieldErrors) -> dict:
    """The form's answers as lead `data`: column keys as they are, the others under `data`."""
    lead_data: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for field in lead_form.fields:
        key, kind = field["key"], field.get("type", "text")
        raw = data.get(key)
        if kind == "checkbox":
            value: Any = _comparable(raw) == "true" if raw not in (None, "") else False
            if field.get("required") and not value:
                errors.add(key, _("This field is required."))
        else:
            value = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
            value = value.strip()
            if field.get("required") and not value:
                errors.add(key, _("This field is required."))
                continue
            if value and kind == "select" and value not in field.get("options", []):
                errors.add(key, _("“%(value)s” is not one of the choices.") % {"value": value})
                continue
            if value and kind == "number" and key not in FORM_COLUMN_TYPES:
                try:
                    Decimal(value)
                except InvalidOperation:
                    errors.add(key, _("Enter a number."))
                    continue
        if key in FORM_COLUMN_TYPES:
            lead_data[key] = value
        elif value not in ("", None):
            extra[key] = value
    lead_data["data"] = extra
    return lead_data


def _open_lead_with_contact(phone: str, email: str) -> Lead | None:
    q = Q(pk__in=[])
    if phone:
        q |= Q(phone=phone)
    if email:
        q |= Q(email=email)
    return Lead.objects.filter(q, status__in=OPEN_STATUSES).order_by("pk").first()


@transaction.atomic
def lead_capture_from_form(*, form: LeadForm, data: dict, ip: str) -> Lead | None:
    """Take a submission of a public web form; there is no signed-in actor.

    Spam protection: more than RAPPORT_LEAD_FORM_RATE_LIMIT submissions a minute from one IP
    raise `RateLimited`; a filled-in honeypot returns None and saves nothing (the bot is told
    it worked). The lead gets the form's source, campaign and team, is scored and assigned by
    the rules, and its owner gets the follow-up task. A person who already has an open lead
    with the same phone or e-mail gets a new inquiry on that lead instead of a duplicate.
    """
    if _rate_limit_hit(ip):
        raise RateLimited(_("Too many submissions from your address. Try again in a minute."))
    if str(data.get(HONEYPOT_FIELD) or "").strip():
        return None
    errors = FieldErrors()
    answers = _clean_answers(form, data, errors)
    columns = _clean_lead(answers, errors, instance=None)
    errors.raise_if_any()
    columns.update(source=form.source, campaign=form.campaign)

    existing = _open_lead_with_contact(columns.get("phone", ""), columns.get("email", ""))
    if existing is not None:
        _event(
            existing,
            LeadEventKind.INQUIRY,
            body=columns.get("message", ""),
            data={"form": form.name, "answers": columns.get("data", {}), "ip": ip},
        )
        lead_score_recompute(existing)
        return existing
    return _create(
        actor=None,
        columns=columns,
        owner=None,
        team=form.team,
        channel=LeadCaptureChannel.FORM,
        form=form,
        auto_assign=True,
        capture_data={"form": form.name, "ip": ip},
    )
