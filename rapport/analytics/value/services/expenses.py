"""Logging, changing and deleting sales expenses.

An expense belongs to one person or one company the actor may see (and optionally to one of
that customer's deals); it takes the customer's owner and team, so that whoever may see the
customer sees what was spent on them. Each write recomputes the customer's value at once.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditAction
from rapport.accounts.services import audit_record
from rapport.analytics.value.models import ExpenseKind, SalesExpense
from rapport.analytics.value.services.values import customer_values_recompute
from rapport.core.cleaning import (
    FieldErrors,
    clean_choice,
    clean_currency,
    clean_date,
    clean_id,
    clean_money,
    clean_text,
    reject_unknown,
)
from rapport.core.errors import ValidationFailed
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.selectors.deals import get_deal_for_user
from rapport.sales.selectors.money import reporting_currency

NOTE_LIMIT = 500
EDITABLE = ("kind", "amount", "currency", "spent_on", "note")
CREATE_FIELDS = (*EDITABLE, "person_id", "company_id", "deal_id")


def _clean(data: dict, errors: FieldErrors, *, partial: bool) -> dict:
    cleaned: dict = {}
    if not partial or "kind" in data:
        cleaned["kind"] = clean_choice(
            data.get("kind"), "kind", errors, choices=ExpenseKind.values, list_choices=True
        )
    if not partial or "amount" in data:
        cleaned["amount"] = clean_money(data.get("amount"), "amount", errors, positive=True)
    if not partial or "currency" in data:
        raw = data.get("currency") or ("" if partial else reporting_currency())
        cleaned["currency"] = clean_currency(raw, "currency", errors)
    if not partial or "spent_on" in data:
        spent_on = clean_date(data.get("spent_on"), "spent_on", errors)
        if spent_on is None and "spent_on" not in errors:
            if partial:
                errors.add("spent_on", _("Enter a date as YYYY-MM-DD."))
            else:
                spent_on = timezone.localdate()
        if spent_on is not None and spent_on > timezone.localdate():
            errors.add("spent_on", _("An expense cannot be dated in the future."))
        if spent_on is not None and spent_on < datetime.date(2000, 1, 1):
            errors.add("spent_on", _("Enter a date after 2000."))
        cleaned["spent_on"] = spent_on
    if not partial or "note" in data:
        cleaned["note"] = clean_text(data.get("note"), "note", errors, limit=NOTE_LIMIT)
    return cleaned


def _recompute(expense: SalesExpense) -> None:
    customer_values_recompute(
        person_ids=[expense.person_id] if expense.person_id else [],
        company_ids=[expense.company_id] if expense.company_id else [],
    )


@transaction.atomic
def expense_create(*, actor, data: dict) -> SalesExpense:
    """Log an expense: `kind`, `amount` (a decimal string), `currency` (default the reporting
    currency), `spent_on` (default today; not in the future), `note`, and exactly one of
    `person_id` / `company_id`, optionally `deal_id` (a deal of that customer). A customer or
    deal the actor may not see raises NotFound."""
    errors = FieldErrors()
    reject_unknown(data, CREATE_FIELDS, errors)
    cleaned = _clean(data, errors, partial=False)
    person_id = clean_id(data.get("person_id"), "person_id", errors)
    company_id = clean_id(data.get("company_id"), "company_id", errors)
    deal_id = clean_id(data.get("deal_id"), "deal_id", errors)
    if (person_id is None) == (company_id is None) and not (
        errors.get("person_id") or errors.get("company_id")
    ):
        errors.add("person_id", _("Choose a person or a company (one of them)."))
    errors.raise_if_any()
    customer = (
        get_person_for_user(actor, person_id)
        if person_id is not None
        else get_company_for_user(actor, company_id)
    )
    deal = None
    if deal_id is not None:
        deal = get_deal_for_user(actor, deal_id)
        if (person_id is not None and deal.person_id != person_id) or (
            company_id is not None and deal.company_id != company_id
        ):
            raise ValidationFailed(
                _("Please correct the errors below."),
                {"deal_id": [_("This deal is not this customer's.")]},
            )
    expense = SalesExpense.objects.create(
        **cleaned,
        person_id=person_id,
        company_id=company_id,
        deal=deal,
        recorded_by=actor,
        owner_id=customer.owner_id,
        team_id=customer.team_id,
    )
    _recompute(expense)
    return expense


@transaction.atomic
def expense_update(*, actor, expense: SalesExpense, data: dict) -> SalesExpense:
    """Change an expense's kind, amount, currency, date or note (the customer stays)."""
    errors = FieldErrors()
    reject_unknown(data, EDITABLE, errors)
    cleaned = _clean(data, errors, partial=True)
    errors.raise_if_any()
    expense = SalesExpense.objects.select_for_update().get(pk=expense.pk)
    for name, value in cleaned.items():
        setattr(expense, name, value)
    expense.save()
    _recompute(expense)
    return expense


@transaction.atomic
def expense_delete(*, actor, expense: SalesExpense) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.RECORD_DELETED,
        target_type="sales_expense",
        target_id=expense.pk,
        summary=f"{expense.get_kind_display()} {expense.amount} {expense.currency}",
    )
    expense.delete()
    _recompute(expense)
