"""The public support form: administrators create it, visitors open tickets with it.

A submission needs no sign-in. Spam is kept out as on the lead forms: a honeypot input that
people never see (filled in: nothing is saved and the bot is told it worked) and a limit of
RAPPORT_LEAD_FORM_RATE_LIMIT submissions a minute per IP address. The sender is matched to a
person by e-mail address like a support e-mail is; a sender no person has is kept on the ticket
(requester e-mail and name), not made a person (docs/decisions.md).
"""

import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import Team, User
from rapport.core.cleaning import FieldErrors, clean_choice, clean_flag, clean_text, parse_int
from rapport.core.errors import ApplicationError
from rapport.customers.models import PersonEmail
from rapport.sales.models import Order
from rapport.service.models import (
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketType,
    TicketWebForm,
)
from rapport.service.services.tickets import ticket_create

HONEYPOT_FIELD = "hp_website"
FORM_INPUTS = ("name", "email", "subject", "message", "order_number", HONEYPOT_FIELD)
FORM_SETTINGS = ("name", "team_id", "category_id", "type", "thank_you_text", "is_active")


class RateLimited(ApplicationError):
    status = 429

    def __init__(self, message: str):
        super().__init__("rate_limited", message)


def _rate_limit_hit(ip: str) -> bool:
    """Count one submission from `ip` in the current minute; True when over the limit."""
    limit = settings.RAPPORT_LEAD_FORM_RATE_LIMIT
    if limit <= 0:
        return False
    key = f"rapport:ticket-form:{ip}:{int(time.time() // 60)}"
    if cache.add(key, 1, timeout=120):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        return False


def _scalar(value):
    """A number posted as JSON is read as its text (an order number sent as 12345); a list, an
    object or true/false is no text and is refused, not saved as its Python spelling."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


@transaction.atomic
def ticket_capture_from_form(*, form: TicketWebForm, data: dict, ip: str) -> Ticket | None:
    """Open a ticket from a submission of `form` (see the module docstring); None for a bot."""
    if _rate_limit_hit(ip):
        raise RateLimited(_("Too many submissions from your address. Try again in a minute."))
    if str(data.get(HONEYPOT_FIELD) or "").strip():
        return None
    errors = FieldErrors()
    for key in data:
        if key not in FORM_INPUTS and key != "csrfmiddlewaretoken":
            errors.add(key, _("Unknown field."))
    data = {key: _scalar(value) for key, value in data.items()}
    name = clean_text(data.get("name"), "name", errors, limit=200)
    email = clean_text(data.get("email"), "email", errors, limit=254, required=True)
    subject = clean_text(data.get("subject"), "subject", errors, limit=300, required=True)
    message = clean_text(data.get("message"), "message", errors, limit=20_000, required=True)
    order_number = clean_text(data.get("order_number"), "order_number", errors, limit=32)
    errors.raise_if_any()
    email = email.lower()
    person_id = (
        PersonEmail.objects.filter(email=email)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .first()
    )
    values = {
        "subject": subject,
        "body": message,
        "type": form.type,
        "requester_email": email,
        "requester_name": name,
    }
    if person_id is not None:
        values["person_id"] = person_id
    if form.category_id is not None:
        values["category_id"] = form.category_id
    if form.team_id is not None:
        values["team_id"] = form.team_id
    if order_number:
        # Only the sender's own order is linked: a number alone proves nothing.
        order = Order.objects.filter(number=order_number, person_id=person_id).first()
        if person_id is not None and order is not None:
            values["order_id"] = order.pk
    try:
        return ticket_create(actor=None, data=values, channel=TicketChannel.WEB_FORM)
    except ApplicationError as exc:
        # The e-mail input is "email" here; the ticket's field is "requester_email".
        if "requester_email" in exc.details:
            exc.details["email"] = exc.details.pop("requester_email")
        raise


def _clean_form(data: dict, *, instance: TicketWebForm | None) -> dict:
    errors = FieldErrors()
    for key in data:
        if key not in FORM_SETTINGS:
            errors.add(key, _("Unknown field."))
    values: dict = {}
    if instance is None or "name" in data:
        values["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
    if "thank_you_text" in data:
        values["thank_you_text"] = clean_text(
            data["thank_you_text"], "thank_you_text", errors, limit=2000
        )
    if "type" in data:
        values["type"] = clean_choice(
            data["type"], "type", errors, choices=TicketType.values, list_choices=True
        )
    if "is_active" in data:
        values["is_active"] = clean_flag(data["is_active"], "is_active", errors)
    for key, model, message in (
        ("team_id", Team, _("There is no such team.")),
        ("category_id", TicketCategory, _("There is no such category.")),
    ):
        if key not in data:
            continue
        record = None
        if data[key] not in (None, ""):
            record = model.objects.filter(pk=parse_int(data[key])).first()
            if record is None:
                errors.add(key, message)
        values[key.removesuffix("_id")] = record
    errors.raise_if_any()
    return values


@transaction.atomic
def ticket_form_create(*, actor: User, data: dict) -> TicketWebForm:
    require_settings_manager(actor)
    return TicketWebForm.objects.create(
        **_clean_form(data, instance=None),
        public_key=secrets.token_urlsafe(18)[:24],
        created_by=actor,
    )


@transaction.atomic
def ticket_form_update(*, actor: User, form: TicketWebForm, data: dict) -> TicketWebForm:
    require_settings_manager(actor)
    for name, value in _clean_form(data, instance=form).items():
        setattr(form, name, value)
    form.save()
    return form
