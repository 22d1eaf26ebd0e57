"""Timeline wording and event subscriptions of the service app.

Imported by `ServiceConfig.ready()`, once every model is loaded; `register()` runs each part.
"""

from django.utils.translation import gettext as _

from rapport.activities.timeline_kinds import register_title
from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged
from rapport.customers.events import CompanyUpdated, PersonUpdated
from rapport.inbox.claims import register_claim
from rapport.inbox.events import InboundMailReceived
from rapport.service.models import RootCause
from rapport.service.services import (
    is_service_mail,
    ticket_from_inbound,
    tickets_follow_customer,
    tickets_refresh_customer_owner,
)
from rapport.service.services.complaints import goodwill_title


def register_timeline() -> None:
    # Entries keep the ticket's subject in `title` and its number in `data`; worded when read.
    def words(entry) -> dict:
        return {"number": entry.data.get("number", ""), "subject": entry.title}

    register_title(
        "ticket.created", lambda e: _("Ticket %(number)s opened: %(subject)s") % words(e)
    )
    register_title(
        "ticket.reply", lambda e: _("Reply on ticket %(number)s: %(subject)s") % words(e)
    )
    register_title(
        "ticket.customer_message",
        lambda e: _("Customer wrote on ticket %(number)s: %(subject)s") % words(e),
    )
    register_title(
        "ticket.resolved", lambda e: _("Ticket %(number)s resolved: %(subject)s") % words(e)
    )
    causes = dict(RootCause.choices)

    def closed(entry) -> str:
        cause = entry.data.get("root_cause")
        if cause:
            return _("Ticket %(number)s closed: %(subject)s (root cause: %(cause)s)") % {
                **words(entry),
                "cause": causes.get(cause, cause),
            }
        return _("Ticket %(number)s closed: %(subject)s") % words(entry)

    register_title("ticket.closed", closed)
    register_title("ticket.goodwill", goodwill_title)
    register_title(
        "ticket.reopened", lambda e: _("Ticket %(number)s reopened: %(subject)s") % words(e)
    )
    register_title(
        "ticket.merged",
        lambda e: (
            _("Ticket %(number)s merged into %(into)s: %(subject)s")
            % {**words(e), "into": e.data.get("into", "")}
        ),
    )
    register_title(
        "ticket.merged_in",
        lambda e: (
            _("Ticket %(source)s merged into ticket %(number)s: %(subject)s")
            % {**words(e), "source": e.data.get("source", "")}
        ),
    )


def register_inbound_mail() -> None:
    # Mail to the support address, or answering a ticket, is a ticket's; sales makes no lead of
    # it (rapport.inbox.claims).
    register_claim(is_service_mail)

    @subscribe(InboundMailReceived)
    def ticket_from_mail(event: InboundMailReceived) -> None:
        ticket_from_inbound(inbound_id=event.inbound_id)


def register_customers() -> None:
    # Complaints are visible to the customer's owner (`Ticket.customer_owner`); keep it in step
    # when the customer is given to someone else.
    @subscribe(PersonUpdated)
    def person_reassigned(event: PersonUpdated) -> None:
        if "owner" in event.changed_fields:
            tickets_follow_customer(person_id=event.person_id)

    @subscribe(CompanyUpdated)
    def company_reassigned(event: CompanyUpdated) -> None:
        if "owner" in event.changed_fields:
            tickets_follow_customer(company_id=event.company_id)

    # A merge of two persons (or companies) moves the other's tickets to the survivor and
    # announces them (one ticket alone, or a batch); their customer's owner is the survivor's.
    def moved(event) -> bool:
        return event.record_type == "ticket" and bool(
            {"person", "company"} & set(event.changed_fields)
        )

    @subscribe(RecordChanged)
    def ticket_moved(event: RecordChanged) -> None:
        if moved(event):
            tickets_refresh_customer_owner(ticket_ids=[event.record_id])

    @subscribe(RecordsChanged)
    def tickets_moved(event: RecordsChanged) -> None:
        if moved(event):
            tickets_refresh_customer_owner(ticket_ids=list(event.record_ids))


def register() -> None:
    register_timeline()
    register_inbound_mail()
    register_customers()
