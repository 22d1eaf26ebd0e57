"""Timeline wording and event subscriptions of the sales app, one function per part.

Imported by `SalesConfig.ready()`, once every model is loaded; `register()` runs each part.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from rapport.activities.timeline_kinds import register_title
from rapport.core.errors import ValidationFailed
from rapport.core.events import subscribe
from rapport.core.formats import format_money
from rapport.customers.events import CompanyUpdated, PersonUpdated
from rapport.inbox.claims import is_claimed
from rapport.inbox.events import InboundMailFromUnknownSender
from rapport.inbox.selectors import inbound_text
from rapport.sales.models import Lead, PaymentMethod, RefundReason
from rapport.sales.models.leads import LeadCaptureChannel, LeadEventKind, lead_event_title
from rapport.sales.selectors.leads import OPEN_STATUSES
from rapport.sales.services.leads import lead_create, lead_event_add
from rapport.sales.services.orders import orders_follow_customer


def register_leads() -> None:
    # A converted lead's history lands on the customer's timeline as "lead.<event kind>"
    # entries; each is worded like on the lead's page, with the lead's name in front.
    def wording(kind: str):
        return lambda entry: (
            _("Lead %(name)s: %(event)s")
            % {
                "name": entry.data.get("lead_name", ""),
                "event": lead_event_title(kind, entry.data),
            }
        )

    for kind in LeadEventKind.values:
        register_title(f"lead.{kind}", wording(kind))


def register_deals() -> None:
    def amount(entry) -> str:
        value = entry.data.get("amount", "")
        return format_money(value) if value not in (None, "") else ""

    # Entries keep the deal's title in `title` and the rest in `data`; the words are the reader's.
    register_title("deal.created", lambda e: _("Deal created: %(title)s") % {"title": e.title})
    register_title(
        "deal.stage_changed",
        lambda e: (
            _("Deal “%(title)s” moved from %(from)s to %(to)s")
            % {"title": e.title, "from": e.data.get("from", ""), "to": e.data.get("to", "")}
        ),
    )
    register_title(
        "deal.won",
        lambda e: (
            _("Deal won: %(title)s (%(amount)s %(currency)s)")
            % {"title": e.title, "amount": amount(e), "currency": e.data.get("currency", "")}
        ),
    )
    register_title(
        "deal.lost",
        lambda e: (
            _("Deal lost: %(title)s (%(reason)s)")
            % {"title": e.title, "reason": e.data.get("reason", "")}
        ),
    )


def register_orders() -> None:
    def money(entry, key: str) -> str:
        value = entry.data.get(key, "")
        return format_money(value, entry.data.get("currency")) if value not in (None, "") else ""

    def number(entry) -> str:
        return entry.data.get("number") or entry.title

    # Order entries keep the order number in `title` and amounts in `data`; worded when read.
    register_title(
        "order.placed",
        lambda e: (
            _("Order %(number)s placed: %(total)s")
            % {"number": number(e), "total": money(e, "total")}
        ),
    )
    register_title(
        "order.updated",
        lambda e: (
            _("Order %(number)s changed: the total is now %(total)s")
            % {"number": number(e), "total": money(e, "total")}
        ),
    )
    register_title(
        "order.paid", lambda e: _("Order %(number)s paid in full") % {"number": number(e)}
    )
    register_title("order.shipped", lambda e: _("Order %(number)s shipped") % {"number": number(e)})
    register_title(
        "order.received",
        lambda e: _("Order %(number)s received by the customer") % {"number": number(e)},
    )
    register_title(
        "order.cancelled", lambda e: _("Order %(number)s cancelled") % {"number": number(e)}
    )
    register_title(
        "order.returned", lambda e: _("Order %(number)s returned") % {"number": number(e)}
    )
    methods = dict(PaymentMethod.choices)
    register_title(
        "payment.recorded",
        lambda e: (
            _("Payment of %(amount)s received for order %(number)s (%(method)s)")
            % {
                "amount": money(e, "amount"),
                "number": number(e),
                "method": methods.get(e.data.get("method"), e.data.get("method", "")),
            }
        ),
    )
    reasons = dict(RefundReason.choices)

    def refund_title(entry) -> str:
        words = {
            "amount": money(entry, "amount"),
            "number": number(entry),
            "reason": reasons.get(entry.data.get("reason"), entry.data.get("reason", "")),
        }
        if entry.data.get("owed_again"):
            return _("Refund of %(amount)s for order %(number)s (%(reason)s): owed again") % words
        return _("Refund of %(amount)s for order %(number)s (%(reason)s)") % words

    register_title("refund.recorded", refund_title)

    # Orders are visible by the owner and team copied from their customer; keep them in step
    # when the customer is given to someone else.
    @subscribe(PersonUpdated)
    def person_reassigned(event: PersonUpdated) -> None:
        if {"owner", "team"} & set(event.changed_fields):
            orders_follow_customer(person_id=event.person_id)

    @subscribe(CompanyUpdated)
    def company_reassigned(event: CompanyUpdated) -> None:
        if {"owner", "team"} & set(event.changed_fields):
            orders_follow_customer(company_id=event.company_id)


def register_inbound_mail() -> None:
    # Mail to the shared mailbox from an address no person has is an inquiry: a new lead (source
    # e-mail, assigned by the rules), or a note on the open lead that already has the address,
    # unless RAPPORT_INBOUND_UNKNOWN_SENDER is "ignore".
    @subscribe(InboundMailFromUnknownSender)
    def lead_from_unknown_sender(event: InboundMailFromUnknownSender) -> None:
        if settings.RAPPORT_INBOUND_UNKNOWN_SENDER != "lead":
            return
        # Mail to the support address (or a ticket's thread) is the service's, not an inquiry.
        if is_claimed(event.inbound_id):
            return
        text = "\n\n".join(part for part in (event.subject, inbound_text(event.inbound_id)) if part)
        text = text[:20000]
        existing = (
            Lead.objects.filter(email=event.address, status__in=OPEN_STATUSES)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            if text:
                lead_event_add(actor=None, lead=existing, kind=LeadEventKind.NOTE, body=text)
            return
        data = {
            "full_name": (event.name or event.address.split("@")[0])[:200],
            "email": event.address,
            "source": "email",
            "message": text,
            "auto_assign": True,
        }
        try:
            lead_create(actor=None, data=data, channel=LeadCaptureChannel.EMAIL)
        except ValidationFailed as exc:
            if "email" not in exc.details:
                raise
            # An address mail servers accept but a lead's e-mail does not (".local", quoted
            # local parts): the lead is still made, the address kept among its other answers.
            data.pop("email")
            data["data"] = {"from": event.address[:1000]}
            lead_create(actor=None, data=data, channel=LeadCaptureChannel.EMAIL)


def register() -> None:
    register_leads()
    register_deals()
    register_orders()
    register_inbound_mail()
