"""Timeline wording and event subscriptions of the surveys app.

Imported by `SurveysConfig.ready()`; `register()` runs each part. Service publishes no event of
its own for a resolved ticket, so CSAT listens to the ticket's record changes and reads the
status (`rapport.core.records`).
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.activities.timeline_kinds import register_title
from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged
from rapport.service.models import Ticket, TicketStatus
from rapport.surveys.services import csat_invite_for_ticket

logger = logging.getLogger(__name__)

RESOLVED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def register_timeline() -> None:
    def answered(entry) -> str:
        data = entry.data
        words = {"kind": str(data.get("kind", "")).upper(), "score": data.get("score", "")}
        if data.get("number"):
            return _("Answered the %(kind)s survey about ticket %(number)s: %(score)s") % {
                **words,
                "number": data["number"],
            }
        return _("Answered the %(kind)s survey: %(score)s") % words

    register_title("survey.answered", answered)


def _ask_about(ticket_ids: list[int]) -> None:
    resolved = Ticket.objects.filter(pk__in=ticket_ids, status__in=RESOLVED).values_list(
        "pk", flat=True
    )
    for ticket_id in resolved:
        try:
            # A survey that cannot be made must not stop the agent resolving the ticket.
            with transaction.atomic():
                csat_invite_for_ticket(ticket_id=ticket_id)
        except Exception:
            logger.exception("CSAT invitation for ticket %s failed", ticket_id)


def register_tickets() -> None:
    @subscribe(RecordChanged)
    def ticket_resolved(event: RecordChanged) -> None:
        if (
            event.record_type == "ticket"
            and event.operation == "updated"
            and "status" in event.changed_fields
        ):
            _ask_about([event.record_id])

    @subscribe(RecordsChanged)
    def tickets_resolved(event: RecordsChanged) -> None:
        if (
            event.record_type == "ticket"
            and event.operation == "updated"
            and "status" in event.changed_fields
        ):
            _ask_about(list(event.record_ids))


def register() -> None:
    register_timeline()
    register_tickets()
