"""The customer value section of a person's or company's page (registered in apps.py, order 10):
the figures, the segment and tier, the latest expenses and a form to log one; and the expenses
section of a deal's page (what was spent to win it, and a form to log one)."""

from django.db.models import Sum
from django.utils import timezone

from rapport.analytics.panels import CustomerSection
from rapport.analytics.value import selectors
from rapport.analytics.value.forms import ExpenseForm
from rapport.customers.models import Person
from rapport.sales.selectors.money import reporting_currency


def _expense_form() -> ExpenseForm:
    return ExpenseForm(
        initial={
            "currency": reporting_currency(),
            "spent_on": timezone.localdate(),
            "kind": "travel",
        }
    )


def value_section(user, customer) -> CustomerSection:
    kind = "person" if isinstance(customer, Person) else "company"
    value = selectors.customer_value(user, kind, customer.pk)
    expenses = list(
        selectors.customer_expenses(user, kind, customer.pk)[: selectors.EXPENSES_SHOWN]
    )
    form = _expense_form()
    return CustomerSection(
        "analytics_value/_section.html",
        {
            "value": value,
            "expenses": expenses,
            "form": form,
            "kind": kind,
            "customer": customer,
        },
    )


def deal_expenses_section(user, deal) -> CustomerSection:
    """The deal's expenses (the latest ones, and their total per currency) and a form to log
    one against the deal and its customer."""
    expenses = selectors.deal_expenses(user, deal.pk)
    totals = expenses.order_by("currency").values("currency").annotate(total=Sum("amount"))
    return CustomerSection(
        "analytics_value/_deal_section.html",
        {
            "deal": deal,
            "expenses": list(expenses[: selectors.EXPENSES_SHOWN]),
            "totals": list(totals),
            "form": _expense_form(),
        },
    )
