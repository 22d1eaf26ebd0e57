"""The lead, deal and order lists as saved views know them: their columns and filter parameters
(read by each list's `views.<part>._filters`). Registered from `SalesConfig.ready()`."""

from django.utils.translation import gettext_lazy as _

from rapport.accounts.list_specs import (
    ListColumn,
    ListSpec,
    choice_param,
    date_param,
    flag_param,
    id_param,
    register_list,
    text_param,
)
from rapport.customers.models import SourceChannel
from rapport.sales.models import DealStatus, LeadStatus, OrderStatus, Priority
from rapport.sales.selectors.deals import DEAL_SORTS
from rapport.sales.selectors.leads import LEAD_SORTS
from rapport.sales.selectors.orders import ORDER_SORTS

LEADS = ListSpec(
    key="leads",
    label=_("Leads"),
    url_name="sales:lead_list",
    columns=(
        ListColumn("name", _("Name"), always=True),
        ListColumn("company", _("Company")),
        ListColumn("score", _("Score")),
        ListColumn("status", _("Status")),
        ListColumn("source", _("Source")),
        ListColumn("campaign", _("Campaign")),
        ListColumn("owner", _("Owner")),
        ListColumn("created", _("Created")),
    ),
    params={
        "q": text_param,
        "status": choice_param(("open", *LeadStatus.values)),
        "owner_id": id_param,
        "team_id": id_param,
        "source": choice_param(SourceChannel.values),
        "campaign": text_param,
        "unassigned": flag_param,
        "created_from": date_param,
        "created_until": date_param,
        "sort": choice_param(LEAD_SORTS),
    },
)

DEALS = ListSpec(
    key="deals",
    label=_("Deals"),
    url_name="sales:deal_list",
    columns=(
        ListColumn("title", _("Title"), always=True),
        ListColumn("customer", _("Customer")),
        ListColumn("stage", _("Stage")),
        ListColumn("amount", _("Amount")),
        ListColumn("expected_close", _("Expected close")),
        ListColumn("priority", _("Priority")),
        ListColumn("owner", _("Owner")),
        ListColumn("updated", _("Updated")),
    ),
    params={
        "q": text_param,
        "pipeline_id": id_param,
        "stage_id": id_param,
        "status": choice_param(DealStatus.values),
        "priority": choice_param(Priority.values),
        "owner_id": id_param,
        "team_id": id_param,
        "person_id": id_param,
        "company_id": id_param,
        "sort": choice_param(DEAL_SORTS),
    },
)

ORDERS = ListSpec(
    key="orders",
    label=_("Orders"),
    url_name="sales:order_list",
    columns=(
        ListColumn("number", _("Order"), always=True),
        ListColumn("placed", _("Placed")),
        ListColumn("customer", _("Customer")),
        ListColumn("status", _("Status")),
        ListColumn("total", _("Total")),
        ListColumn("paid", _("Paid")),
        ListColumn("outstanding", _("Outstanding")),
        ListColumn("owner", _("Owner")),
    ),
    params={
        "number": text_param,
        "status": choice_param(OrderStatus.values),
        "owner_id": id_param,
        "team_id": id_param,
        "person_id": id_param,
        "company_id": id_param,
        "placed_from": date_param,
        "placed_until": date_param,
        "open_only": flag_param,
        "holding_money": flag_param,
        "sort": choice_param(ORDER_SORTS),
    },
)


def register() -> None:
    register_list(LEADS)
    register_list(DEALS)
    register_list(ORDERS)
