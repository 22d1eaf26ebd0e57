"""The complaint closed loop's goodwill gesture: what was offered to the customer when their
complaint was closed (an apology, a refund, a gift, a promised discount…), kept as an internal
note on the ticket and an entry on the customer's timeline.

It is a record of what the agent did, not an instrument: no coupon is issued (marketing, which
would own coupons, does not exist yet), and no model stores it beyond the note and the entry.
"""

import datetime

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import User
from rapport.core.cleaning import FieldErrors, clean_choice, clean_text
from rapport.service.models import MessageKind, Ticket, TicketMessage
from rapport.service.services.common import timeline
from rapport.service.services.conversation import add_message

GOODWILL_MAX = 2000


class GoodwillKind(models.TextChoices):
    APOLOGY = "apology", gettext_lazy("Apology")
    REFUND = "refund", gettext_lazy("Refund")
    GIFT = "gift", gettext_lazy("Gift")
    DISCOUNT = "discount", gettext_lazy("Discount promised")
    REPLACEMENT = "replacement", gettext_lazy("Replacement")
    OTHER = "other", gettext_lazy("Other gesture")


def clean_goodwill(kind, text, errors: FieldErrors, *, closing_complaint: bool) -> tuple[str, str]:
    """The gesture's kind and words; ("", "") when none was given. A kind without words takes
    the kind's name; a gesture goes only with closing a complaint."""
    text = clean_text(text, "goodwill", errors, limit=GOODWILL_MAX)
    if kind in (None, ""):
        kind = GoodwillKind.OTHER if text else ""
    else:
        kind = clean_choice(
            kind, "goodwill_kind", errors, choices=GoodwillKind.values, list_choices=True
        )
    if kind and not closing_complaint:
        errors.add("goodwill", _("A goodwill gesture is recorded when a complaint is closed."))
    return kind or "", text or ""


def complaint_goodwill_record(
    ticket: Ticket, *, actor: User, kind: str, text: str, now: datetime.datetime
) -> TicketMessage:
    """Note the gesture on the ticket and the customer's timeline; inside the closing's
    transaction, the ticket already locked."""
    label = GoodwillKind(kind).label
    body = _("Goodwill gesture (%(kind)s): %(text)s") % {"kind": label, "text": text or label}
    message = add_message(ticket, kind=MessageKind.INTERNAL_NOTE, body=body, author_user=actor)
    timeline(
        ticket,
        kind="ticket.goodwill",
        actor_id=actor.pk,
        when=now,
        body=text,
        data={"goodwill_kind": kind},
    )
    return message


def goodwill_title(entry) -> str:
    """The timeline's wording of a "ticket.goodwill" entry (registered by the handlers)."""
    kind = entry.data.get("goodwill_kind", "")
    label = GoodwillKind(kind).label if kind in GoodwillKind.values else kind
    return _("Goodwill gesture on complaint %(number)s: %(kind)s") % {
        "number": entry.data.get("number", ""),
        "kind": label,
    }
