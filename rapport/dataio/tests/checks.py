"""Consistency checks over what a seeding wrote, shared by the demo and bulk-mode tests."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F

from rapport.activities.models import Interaction, TimelineEntry
from rapport.sales.models import Instalment, Order, OrderLine, Payment, Refund


def money_mismatches() -> list[str]:
    """Orders whose lines, instalments or payments disagree with their totals, compared as exact
    decimals in Python (SQLite sums decimal columns as floats)."""
    lines, planned, planned_paid, paid = (defaultdict(Decimal) for _ in range(4))
    for order_id, amount in OrderLine.objects.values_list("order_id", "line_total"):
        lines[order_id] += amount
    for order_id, amount, part in Instalment.objects.values_list(
        "order_id", "amount", "paid_amount"
    ):
        planned[order_id] += amount
        planned_paid[order_id] += part
    for order_id, amount in Payment.objects.values_list("order_id", "amount"):
        paid[order_id] += amount
    # Refunds take money back out; an undone payment (owed again) also unfills instalments,
    # while a credit or a refund on a closed order leaves them settled (docs/decisions.md).
    unfilled = defaultdict(Decimal)
    for order_id, amount, owed_again in Refund.objects.values_list(
        "order_id", "amount", "owed_again"
    ):
        paid[order_id] -= amount
        if owed_again:
            unfilled[order_id] += amount
    problems = []
    for order in Order.objects.all():
        # The order's own discount is not spread over its lines (docs/decisions.md, "Discounts").
        in_lines = lines[order.pk] - order.order_discount
        if in_lines != order.total or order.subtotal - order.discount_total != order.total:
            problems.append(f"{order.number}: lines")
        settled = order.paid_amount + order.refunded_amount - unfilled[order.pk]
        if planned[order.pk] != order.total or planned_paid[order.pk] != settled:
            problems.append(f"{order.number}: instalments")
        if paid[order.pk] != order.paid_amount or order.paid_amount > order.total:
            problems.append(f"{order.number}: payments")
    return problems


def status_contradictions() -> int:
    """Orders whose status says one thing and whose money or stamps another."""
    return (
        Order.objects.filter(status="paid")
        .exclude(total=F("paid_amount") + F("credited_amount"))
        .count()
        + Order.objects.filter(status="cancelled", paid_amount__gt=0).count()
        + Order.objects.filter(status="returned")
        .exclude(total=F("paid_amount") + F("refunded_amount"))
        .count()
        + Order.objects.filter(status__in=["shipped", "received"], shipped_at__isnull=True).count()
        + Order.objects.filter(paid_at__isnull=False)
        .exclude(status__in=["cancelled", "returned"])
        .exclude(total=F("paid_amount") + F("credited_amount"))
        .count()
        + Payment.objects.filter(paid_at__lt=F("order__placed_at")).count()
    )


def interactions_without_one_timeline_entry() -> int:
    entries = (
        TimelineEntry.objects.filter(source_type="interaction")
        .values("source_id")
        .annotate(n=Count("id"))
    )
    counts = {row["source_id"]: row["n"] for row in entries}
    return sum(1 for pk in Interaction.objects.values_list("pk", flat=True) if counts.get(pk) != 1)


def customer_mismatches() -> int:
    """Orders for both or neither of a person and a company, or not owned like their customer."""
    one_customer = Order.objects.filter(person__isnull=False, company__isnull=False).count()
    no_customer = Order.objects.filter(person__isnull=True, company__isnull=True).count()
    by_person = Order.objects.filter(person__isnull=False).exclude(
        owner_id=F("person__owner_id"), team_id=F("person__team_id")
    )
    by_company = Order.objects.filter(company__isnull=False).exclude(
        owner_id=F("company__owner_id"), team_id=F("company__team_id")
    )
    return one_customer + no_customer + by_person.count() + by_company.count()
