"""The one rule for the province an order counts in, shared by the facts and the reports.

An order (a line, a payment: through their order) counts in its person's region; when it names
no person, or a person without a region, in its company's; "" when neither has one. The facts
(`upkeep`) and the report builder's "province" (`reports.subjects`) both read it from here, so a
report by province reads the same from the facts as from the orders.
"""

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Coalesce, NullIf


def order_province(prefix: str = "") -> Coalesce:
    """The province of the order at `prefix` ("" for an order, "order__" for its lines)."""
    return Coalesce(
        NullIf(F(f"{prefix}person__region"), Value("")),
        NullIf(F(f"{prefix}company__region"), Value("")),
        Value(""),
        output_field=CharField(),
    )


def counts_in_company_province():
    """The orders of a company whose province is the company's: those naming no person, or a
    person without a region (a change of the company's region moves them)."""
    return Q(person__isnull=True) | Q(person__region="")
