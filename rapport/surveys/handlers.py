"""Timeline wording and event subscriptions of the surveys app.

Imported by `SurveysConfig.ready()`; `register()` runs each part. Service publishes no event of
its own for a resolved ticket, so CSAT listens to the ticket's record changes and reads the
status (`rapport.core.records`); a closed complaint is asked its confirmation the same way.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.activities.timeline_kinds import register_title
from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged
from rapport.service.models import Ticket, TicketStatus
from rapport.service.panels import TicketPanel, register_ticket_panel
from rapport.surveys.models import CONFIRM_YES, SurveyKind
from rapport.surveys.selectors import survey_results_for_ticket
from rapport.surveys.services import confirmation_invite_for_ticket, csat_invite_for_ticket

logger = logging.getLogger(__name__)

RESOLVED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def register_timeline() -> None:
    def answered(entry) -> str:
        data = entry.data
        if data.get("kind") == SurveyKind.CONFIRM:
            if data.get("score") == CONFIRM_YES:
                return _("Confirmed being satisfied with complaint %(number)s") % {
                    "number": data.get("number", "")
                }
            return _("Said they are not satisfied with how complaint %(number)s was closed") % {
                "number": data.get("number", "")
            }
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
        # Each asks only the tickets it is for (CSAT: resolved; the confirmation: a closed
        # complaint).
        for invite in (csat_invite_for_ticket, confirmation_invite_for_ticket):
            try:
                # A survey that cannot be made must not stop the agent resolving the ticket.
                with transaction.atomic():
                    invite(ticket_id=ticket_id)
            except Exception:
                logger.exception("%s for ticket %s failed", invite.__name__, ticket_id)


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


def ticket_survey_panel(user, ticket: Ticket) -> TicketPanel | None:
    """The ticket page's survey answers (CSAT, the complaint's confirmation), if any."""
    results = survey_results_for_ticket(ticket)
    if not results:
        return None
    return TicketPanel("surveys/_ticket_panel.html", {"results": results})


def register() -> None:
    register_timeline()
    register_tickets()
    register_ticket_panel(ticket_survey_panel)
