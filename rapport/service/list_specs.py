"""The ticket list as saved views know it: its columns and the filter parameters its filter bar
reads (`rapport.service.views.tickets._filters`). Registered from `ServiceConfig.ready()`."""

from django.utils.translation import gettext_lazy as _

from rapport.accounts.list_specs import (
    ListColumn,
    ListSpec,
    choice_param,
    date_param,
    id_or_choice_param,
    id_param,
    register_list,
    text_param,
)
from rapport.service.models import TicketChannel, TicketPriority, TicketStatus, TicketType
from rapport.service.selectors import ANY_OPEN, LIST_SORTS

TICKETS = ListSpec(
    key="tickets",
    label=_("Tickets"),
    url_name="service:ticket_list",
    columns=(
        ListColumn("subject", _("Subject"), always=True),
        ListColumn("customer", _("Customer")),
        ListColumn("status", _("Status")),
        ListColumn("priority", _("Priority")),
        ListColumn("type", _("Type")),
        ListColumn("category", _("Category")),
        ListColumn("assignee", _("Assignee")),
        ListColumn("team", _("Queue")),
        ListColumn("channel", _("Channel"), default=False),
        ListColumn("updated", _("Updated")),
        ListColumn("created", _("Created"), default=False),
    ),
    params={
        "q": text_param,
        "status": choice_param((ANY_OPEN, *TicketStatus.values)),
        "priority": choice_param(TicketPriority.values),
        "type": choice_param(TicketType.values),
        "channel": choice_param(TicketChannel.values),
        "category_id": id_param,
        "team_id": id_param,
        "assignee_id": id_or_choice_param(("me", "none")),
        "person_id": id_param,
        "company_id": id_param,
        "order_id": id_param,
        "created_from": date_param,
        "created_to": date_param,
        "resolved_from": date_param,
        "resolved_to": date_param,
        "sort": choice_param(LIST_SORTS),
    },
)


def register() -> None:
    register_list(TICKETS)
