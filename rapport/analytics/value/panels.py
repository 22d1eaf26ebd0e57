"""The customer value section of a person's or company's page (registered in apps.py, order 10):
the figures, the segment and tier, the latest expenses and a form to log one."""

from django.utils import timezone

from rapport.analytics.panels import CustomerSection
from rapport.analytics.value import selectors
from rapport.analytics.value.forms import ExpenseForm
from rapport.customers.models import Person
from rapport.sales.selectors.money import reporting_currency


def value_section(user, customer) -> CustomerSection:
    kind = "person" if isinstance(customer, Person) else "company"
    value = selectors.customer_value(user, kind, customer.pk)
    expenses = list(
        selectors.customer_expenses(user, kind, customer.pk)[: selectors.EXPENSES_SHOWN]
    )
    form = ExpenseForm(
        initial={
            "currency": reporting_currency(),
            "spent_on": timezone.localdate(),
            "kind": "travel",
        }
    )
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
