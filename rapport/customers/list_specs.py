"""The person and company lists as saved views know them: their columns and filter parameters
(read by `views._filters`). Registered from `CustomersConfig.ready()`."""

from django.utils.translation import gettext_lazy as _

from rapport.accounts.list_specs import (
    ListColumn,
    ListSpec,
    choice_param,
    id_param,
    register_list,
    text_param,
)
from rapport.customers.models import LifecycleStage, SourceChannel
from rapport.customers.selectors import COMPANY_SORTS, PERSON_SORTS


def _params(sorts) -> dict:
    return {
        "q": text_param,
        "owner_id": id_param,
        "team_id": id_param,
        "tag_id": id_param,
        "lifecycle_stage": choice_param(LifecycleStage.values),
        "region": text_param,
        "source": choice_param(SourceChannel.values),
        "sort": choice_param(sorts),
    }


PERSONS = ListSpec(
    key="persons",
    label=_("Persons"),
    url_name="customers:person_list",
    columns=(
        ListColumn("name", _("Name"), always=True),
        ListColumn("phone", _("Phone")),
        ListColumn("email", _("Email")),
        ListColumn("company", _("Company")),
        ListColumn("tags", _("Tags")),
        ListColumn("stage", _("Stage")),
        ListColumn("owner", _("Owner")),
        ListColumn("updated", _("Updated")),
    ),
    params=_params(PERSON_SORTS),
    prefixed_params={"cf_": text_param},
)

COMPANIES = ListSpec(
    key="companies",
    label=_("Companies"),
    url_name="customers:company_list",
    columns=(
        ListColumn("name", _("Name"), always=True),
        ListColumn("phone", _("Phone")),
        ListColumn("email", _("Email")),
        ListColumn("industry", _("Industry")),
        ListColumn("tags", _("Tags")),
        ListColumn("stage", _("Stage")),
        ListColumn("owner", _("Owner")),
        ListColumn("updated", _("Updated")),
    ),
    params=_params(COMPANY_SORTS),
    prefixed_params={"cf_": text_param},
)


def register() -> None:
    register_list(PERSONS)
    register_list(COMPANIES)
