"""What every write to a lead shares: the rules for its columns, the errors, history entries.

- a lead needs a name; phones and e-mails are normalised exactly as for persons (E.164,
  lower-cased), so conversion can match them against existing persons.
"""

import datetime
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import User
from rapport.core.cleaning import (
    FieldErrors,
    MoneyRules,
    clean_choice,
    clean_money,
    clean_text,
    parse_int,
    reject_unknown,
    too_long,
)
from rapport.core.errors import ApplicationError
from rapport.customers.models import SourceChannel
from rapport.customers.validation import normalize_contact
from rapport.sales.models import Lead, LeadStatus, Product
from rapport.sales.models.leads import LeadEvent
from rapport.sales.selectors.leads import OPEN_STATUSES

TEXT_FIELDS = ("full_name", "company_name", "job_title", "region", "city", "campaign")
LEAD_FIELDS = (
    *TEXT_FIELDS,
    "phone",
    "email",
    "source",
    "product_interest_id",
    "budget",
    "message",
    "data",
    "status",
)
CREATE_ONLY_FIELDS = ("owner_id", "team_id", "auto_assign")
MESSAGE_MAX = 20000
DATA_MAX_KEYS = 50
DATA_VALUE_MAX = 1000
# A budget is what a prospect says they can spend: a third decimal is rounded rather than refused,
# and the wording is the lead screens' own.
BUDGET_MONEY = MoneyRules(
    floats=True,
    round_cents=True,
    blank_is_empty=False,
    boolean=gettext_lazy("Enter a number."),
    invalid=gettext_lazy("Enter a number."),
    negative=gettext_lazy("Enter an amount of zero or more."),
)


class LeadClosed(ApplicationError):
    """The lead was converted (or disqualified) and the action needs an open lead."""

    status = 409

    def __init__(self, message: str):
        super().__init__("lead_closed", message)


def _max_length(field: str) -> int:
    return Lead._meta.get_field(field).max_length


def _clean_data(value: Any, errors: FieldErrors) -> dict:
    """Answers without a column: a flat object of short texts, numbers and yes/no values."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors.add("data", _("Give an object."))
        return {}
    if len(value) > DATA_MAX_KEYS:
        errors.add("data", _("At most %(count)d entries.") % {"count": DATA_MAX_KEYS})
        return {}
    cleaned = {}
    for key, item in value.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_]{1,50}", key):
            errors.add("data", _("Use letters, digits and _ for keys, at most 50."))
            continue
        if item is None or isinstance(item, bool | int | float):
            cleaned[key] = item
        elif isinstance(item, str):
            if len(item) > DATA_VALUE_MAX:
                errors.add(f"data.{key}", too_long(DATA_VALUE_MAX, len(item)))
                continue
            cleaned[key] = item.strip()
        else:
            errors.add(f"data.{key}", _("Enter text, a number or yes/no."))
    return cleaned


def _clean_lead(data: dict, errors: FieldErrors, *, instance: Lead | None) -> dict[str, Any]:
    """Validate the lead columns present in `data` (all of them for a new lead).

    Returns model field values; unknown keys are errors.
    """
    reject_unknown(
        data, LEAD_FIELDS if instance is not None else LEAD_FIELDS + CREATE_ONLY_FIELDS, errors
    )
    cleaned: dict[str, Any] = {}
    for field in (*TEXT_FIELDS, "phone", "email"):
        if field not in data:
            continue
        # Phones and e-mails are measured once normalised.
        value = normalize_contact(clean_text(data[field], field, errors), field, errors)
        limit = _max_length(field)
        if field not in errors and len(value) > limit:
            errors.add(field, too_long(limit, len(value)))
        if field not in errors:
            cleaned[field] = value
    name_missing = (instance is None or "full_name" in data) and not cleaned.get("full_name")
    if name_missing and "full_name" not in errors:
        errors.add("full_name", _("Enter a name."))
    if "source" in data:
        cleaned["source"] = clean_choice(
            data["source"],
            "source",
            errors,
            choices=SourceChannel.values,
            default=SourceChannel.OTHER,
        )
    if "message" in data:
        cleaned["message"] = clean_text(data["message"] or "", "message", errors, limit=MESSAGE_MAX)
    if "budget" in data:
        cleaned["budget"] = clean_money(
            data["budget"], "budget", errors, required=False, rules=BUDGET_MONEY
        )
    if "product_interest_id" in data:
        product_id = data["product_interest_id"]
        if product_id in (None, ""):
            cleaned["product_interest"] = None
        else:
            pk = parse_int(product_id)
            product = Product.objects.filter(pk=pk, is_active=True).first() if pk else None
            if product is None:
                errors.add("product_interest_id", _("There is no such product."))
            else:
                cleaned["product_interest"] = product
    if "data" in data:
        cleaned["data"] = _clean_data(data["data"], errors)
    if "status" in data:
        status = data["status"] or LeadStatus.NEW
        if status not in OPEN_STATUSES:
            errors.add(
                "status",
                _("Choose new, contacted or qualified; convert or disqualify with their actions."),
            )
        else:
            cleaned["status"] = status
    return cleaned


def _require_open(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise LeadClosed(_("This lead was converted; it can no longer be changed."))
    if lead.status == LeadStatus.DISQUALIFIED:
        raise LeadClosed(_("This lead was disqualified. Reopen it first."))


def _event(
    lead: Lead,
    kind: str,
    *,
    actor: User | None = None,
    body: str = "",
    data: dict | None = None,
    occurred_at: datetime.datetime | None = None,
) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        actor=actor,
        body=body,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )
