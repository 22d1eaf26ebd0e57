"""Imports of orders and of payments, through the sales services.

Orders: one row per order line; consecutive rows with the same order reference (the file's own,
e.g. its system's order number) are one order, created by one `order_create`, so its totals,
payment plan, number, owner and team (its customer's) are exactly those of an order placed by
hand. The customer, the order date and the currency are read from the order's first row: a
person the importer can see with the row's phone or e-mail (as interactions find theirs; the
company column tells apart persons sharing them), else a visible company with the row's name. A line
names its product by SKU (price from the price list, then the product, unless the row gives
one) or describes itself. An order any of whose rows is refused is refused whole, each row
saying why. The job cuts batches only between orders (`jobs.batches.order_batches`), so an order is
never split over two transactions. Planning a batch takes a fixed number of queries; writing,
`order_create`'s fixed number per order. Undo cancels the created orders still placed with
nothing paid (orders are never deleted); one paid, shipped or cancelled since is kept.

Payments: each row records money received on an order that already exists.

The order is the one with the row's number (SO-…) among the orders the importer can see
(`orders_visible_to`); an order that does not exist and one of another team give the same
reason, so an import reveals nothing of another team. Each row then goes through
`payment_record`, in its own savepoint inside the batch's transaction: the service locks the
order, refuses a closed (cancelled, returned) order, more than is outstanding, a time in the
future or before the order was placed, a reference (bank transaction id) already recorded on
the order (so a file imported twice does not pay twice), fills the instalments oldest due
first and marks the order paid with the last cent, so an imported payment is exactly a payment
recorded by hand.
A row the service refuses is rejected with the service's message, and the other rows go on.

Queries: planning a batch finds its orders in one query. Writing takes a fixed number of
queries per row (eight: the savepoint and its release, the order locked and saved, the payment,
the instalments read and updated, the timeline entry; a row with a reference adds the look-up
of that reference, and the payment that completes an order its "paid" entry), not a fixed
number per batch, because each payment has to lock its order and see the payments before it;
keeping the ledger's rules in `payment_record` alone is worth that, and files of payments are
small next to files of customers.

A dry run records each batch's payments the same way inside a transaction that is then rolled
back, so it gives the service's own reasons; what earlier batches of the dry run accepted is
recorded again first (one payment per order), so that payments on one order add up across
batches as they will in the run.

Undo: payments are an append-only ledger (docs/architecture.md), so an import of payments is
never undone (`undo.import_undo` refuses it with a message). Deleting a payment would have to
take its share back out of the instalments, un-stamp the order's paid time and status and drop
its timeline entries, while a later payment, a shipment or a report may already rest on it; the
ImportRecords (kind "payment") keep the list of the payments an import recorded.
"""

import contextlib
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.customers.selectors import companies_visible_to
from rapport.dataio.models import ImportAction, ImportRecord
from rapport.dataio.services.imports.interactions import CustomerFinder
from rapport.dataio.services.imports.plans import Planned, Rejected
from rapport.sales.models import Order, OrderStatus, PaymentMethod, Product
from rapport.sales.selectors.orders import orders_visible_to
from rapport.sales.services.orders import order_change_status, order_create, payment_record
from rapport.sales.services.orders.cleaning import MAX_LINES


class OrderFinder:
    """The orders of a batch's rows, by number, in one query whatever the batch's size."""

    def __init__(self, actor, rows: Iterable):
        numbers = {row.fields["order_number"] for row in rows}
        self.ids: dict[str, int] = {}
        if numbers:
            self.ids = dict(
                orders_visible_to(actor).filter(number__in=numbers).values_list("number", "pk")
            )

    def find(self, row) -> int | str:
        """The id of the row's order, or why there is none."""
        number = row.fields["order_number"]
        order_id = self.ids.get(number)
        if order_id is None:
            return _("No order you can see has the number “%(number)s”.") % {"number": number}
        return order_id


class _Rehearsal(Exception):
    """Raised to roll back a dry run's payments."""


def _reasons(writer, exc: ApplicationError) -> list[str]:
    """The service's messages, each after the file's column for its field when there is one."""
    if not isinstance(exc, ValidationFailed) or not exc.details:
        return [exc.message]
    columns = {key: column for column, key in (writer.job.mapping or {}).items()}
    reasons = []
    for field, messages in exc.details.items():
        for message in messages:
            column = columns.get(field)
            reasons.append(
                _("%(column)s: %(message)s") % {"column": column, "message": message}
                if column
                else str(message)
            )
    return reasons


def _record_each(writer, planned: list) -> tuple[list[tuple], list]:
    """Record each planned payment through `payment_record`; ([(planned, payment)], [refused
    rows]). A refused payment's savepoint is rolled back by the service's own atomic block."""
    recorded, refused = [], []
    for p in planned:
        fields = p.row.fields
        try:
            payment = payment_record(
                actor=writer.actor,
                order=Order(pk=p.order_id),
                amount=fields["amount"],
                paid_at=fields.get("paid_at"),
                method=fields.get("method") or PaymentMethod.BANK_TRANSFER,
                reference=fields.get("reference", ""),
                notes=fields.get("notes", ""),
            )
        except ApplicationError as exc:
            refused.append(Rejected(p.row_number, p.values, _reasons(writer, exc)))
        else:
            recorded.append((p, payment))
    return recorded, refused


class PaymentRehearsal:
    """A dry run's payments: recorded and rolled back batch by batch, with what earlier batches
    accepted per order (amount, latest time) carried over."""

    def __init__(self, writer):
        self.writer = writer
        self.carried: dict[int, tuple[Decimal, object]] = {}

    def rehearse(self, planned: list) -> tuple[list, list]:
        """(the planned rows the service accepts, the refused rows), writing nothing."""
        writer = self.writer
        recorded, refused = [], []
        try:
            with transaction.atomic():
                for order_id in sorted({p.order_id for p in planned} & self.carried.keys()):
                    amount, when = self.carried[order_id]
                    # The order may have changed since (cancelled, paid by hand): then the
                    # rows below are judged on the order as it is now.
                    with contextlib.suppress(ApplicationError):
                        payment_record(
                            actor=writer.actor, order=Order(pk=order_id), amount=amount,
                            paid_at=when,
                        )  # fmt: skip
                recorded, refused = _record_each(writer, planned)
                raise _Rehearsal
        except _Rehearsal:
            pass
        for p, payment in recorded:
            amount, when = self.carried.get(p.order_id, (Decimal("0.00"), payment.paid_at))
            self.carried[p.order_id] = (amount + payment.amount, max(when, payment.paid_at))
        return [p for p, _payment in recorded], refused


def write_payments(writer, planned: list) -> tuple[int, list]:
    """Record the planned payments inside the caller's transaction, with an ImportRecord each;
    (how many were recorded, the rows the service refused)."""
    if not planned:
        return 0, []
    recorded, refused = _record_each(writer, planned)
    ImportRecord.objects.bulk_create(
        ImportRecord(
            job_id=writer.job.pk, kind="payment", object_id=payment.pk,
            action=ImportAction.CREATED,
        )
        for _p, payment in recorded
    )  # fmt: skip
    return len(recorded), refused


# --- Orders --------------------------------------------------------------------------------------


def order_ref_position(job) -> int | None:
    """Where in a row of `job`'s file the order reference is: the rows of one order are the
    consecutive rows with the same text there."""
    column = next((c for c, key in (job.mapping or {}).items() if key == "order_ref"), None)
    if column is None or column not in (job.columns or []):
        return None
    return job.columns.index(column)


def order_ref_of(values, position: int | None) -> str:
    if position is None or position >= len(values):
        return ""
    return (values[position] or "").strip()


class OrderCustomers:
    """The customers and products of a batch's orders, in a fixed number of queries: persons by
    phone or e-mail (as interactions find theirs), companies by name, products by SKU."""

    def __init__(self, actor, firsts: list, lines: list):
        self.persons = CustomerFinder(actor, [row for row in firsts if row.phones or row.emails])
        names = {row.company_name for row in firsts if row.company_name and not _contact(row)}
        self.companies: dict[str, list[int]] = {}
        if names:
            for name, pk in (
                companies_visible_to(actor).filter(name__in=names).values_list("name", "pk")
            ):
                self.companies.setdefault(name, []).append(pk)
        skus = {row.fields["sku"] for row in lines if row.fields.get("sku")}
        self.products: dict[str, int] = {}
        if skus:
            self.products = dict(Product.objects.filter(sku__in=skus).values_list("sku", "pk"))

    def customer(self, row) -> dict | str:
        """`person_id` and/or `company_id` for order_create, or why there is none."""
        if _contact(row):
            found = self.persons.find(row)
            if isinstance(found, str):
                return found
            person_id, company_id = found
            if row.company_name:
                return {"person_id": person_id, "company_id": company_id}
            return {"person_id": person_id}
        if not row.company_name:
            return _(
                "Give the customer's phone number, e-mail or company on the order's first row."
            )
        ids = self.companies.get(row.company_name, [])
        if not ids:
            return _("No company you can see is called “%(name)s”.") % {"name": row.company_name}
        if len(ids) > 1:
            return _("Several companies you can see are called “%(name)s”.") % {
                "name": row.company_name
            }
        return {"company_id": ids[0]}


def _contact(row) -> bool:
    return bool(row.phones or row.emails)


def _line_of(row, products: dict[str, int]) -> dict | str:
    fields = row.fields
    line: dict = {"quantity": fields["quantity"]}
    sku = fields.get("sku")
    if sku:
        if sku not in products:
            return _("No product has the SKU “%(sku)s”.") % {"sku": sku}
        line["product_id"] = products[sku]
    if fields.get("description"):
        line["description"] = fields["description"]
    for key in ("unit_price", "discount", "discount_percent"):
        if fields.get(key) not in (None, ""):
            line[key] = str(fields[key])
    return line


def plan_orders(writer, plan, batch: list) -> None:
    """Group the batch's rows into orders (consecutive rows with one reference) and plan one
    `order_create` per order; an order any of whose rows is refused is refused whole."""
    position = order_ref_position(writer.job)
    groups: list[tuple[str, list]] = []
    for item in batch:
        ref = order_ref_of(item[1], position)
        if groups and groups[-1][0] == ref:
            groups[-1][1].append(item)
        else:
            groups.append((ref, [item]))
    if groups and groups[0][0] and groups[0][0] == writer.cut_order_ref:
        # Only an order longer than a batch can lose its start to the batch before.
        plan.rejected.extend(
            Rejected(n, v, [_too_many_lines(groups[0][0])]) for n, v, _r in groups[0][1]
        )
        groups = groups[1:]
    writer.cut_order_ref = groups[-1][0] if groups else writer.cut_order_ref
    clean = [(ref, items) for ref, items in groups if not _refused(items)]
    found = OrderCustomers(
        writer.actor,
        [items[0][2] for _ref, items in clean],
        [row for _ref, items in clean for _n, _v, row in items],
    )
    for ref, items in groups:
        if _refused(items):
            reasons = {n: list(r.reasons) for n, _v, r in items if hasattr(r, "reasons")}
            _reject_order(plan, ref, items, reasons)
            continue
        first = items[0][2]
        customer = found.customer(first)
        if isinstance(customer, str):
            _reject_order(plan, ref, items, {items[0][0]: [customer]})
            continue
        if first.fields.get("placed_at") is None:
            reason = _("Give the order date on the order's first row.")
            _reject_order(plan, ref, items, {items[0][0]: [reason]})
            continue
        lines, problems = [], {}
        for number, _values, row in items:
            line = _line_of(row, found.products)
            if isinstance(line, str):
                problems[number] = [line]
            lines.append(line)
        if problems:
            _reject_order(plan, ref, items, problems)
            continue
        data = {**customer, "placed_at": first.fields["placed_at"], "lines": lines}
        if first.fields.get("currency"):
            data["currency"] = first.fields["currency"].upper()
        plan.creates.append(
            Planned(
                items[0][0], first, None, values=list(items[0][1]),
                order_data=data, order_rows=[(n, list(v)) for n, v, _r in items],
            )
        )  # fmt: skip
    if writer.order_rehearsal:
        plan.creates, refused = _create_each(writer, plan.creates, rehearse=True)
        plan.rejected.extend(refused)
    plan.rejected.sort(key=lambda rejected: rejected.row_number)


def _too_many_lines(ref: str) -> str:
    return _("Order “%(ref)s” has more than %(limit)d lines.") % {"ref": ref, "limit": MAX_LINES}


def _refused(items) -> bool:
    return any(hasattr(row, "reasons") for _n, _v, row in items)


def _reject_order(plan, ref: str, items, reasons: dict[int, list[str]]) -> None:
    """Reject every row of the order: those at fault with their reasons, the others saying why
    they go too."""
    plan.rejected.extend(_rejected_rows(ref, [(n, v) for n, v, _r in items], reasons))


def _rejected_rows(ref, rows, reasons: dict[int, list[str]]) -> list[Rejected]:
    sibling = _("Order “%(ref)s” was not imported: another of its rows was refused.") % {"ref": ref}
    return [Rejected(n, list(v), reasons.get(n) or [sibling]) for n, v in rows]


def _order_reasons(writer, exc: ApplicationError, rows) -> dict[int, list[str]]:
    """The service's messages, each on the row of the line it is about (else the first row),
    after the file's column for its field when there is one."""
    if not isinstance(exc, ValidationFailed) or not exc.details:
        return {rows[0][0]: [exc.message]}
    columns = {key: column for column, key in (writer.job.mapping or {}).items()}
    reasons: dict[int, list[str]] = {}
    for field, messages in exc.details.items():
        number, key = rows[0][0], field
        parts = field.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            number = rows[index][0] if index < len(rows) else number
            key = {"product_id": "sku"}.get(parts[2], parts[2])
        column = columns.get(key)
        for message in messages:
            reasons.setdefault(number, []).append(
                _("%(column)s: %(message)s") % {"column": column, "message": message}
                if column
                else str(message)
            )
    return reasons


def _create_each(writer, planned: list, *, rehearse: bool = False) -> tuple[list, list]:
    """`order_create` for each planned order, in its own savepoint (rolled back altogether when
    rehearsing); (the planned orders created, with their ids when not rehearsing; refused rows)."""
    created, refused = [], []

    def create_all():
        for p in planned:
            ref = order_ref_of(p.values, order_ref_position(writer.job))
            try:
                order = order_create(actor=writer.actor, data=p.order_data)
            except ApplicationError as exc:
                reasons = _order_reasons(writer, exc, p.order_rows)
                refused.extend(_rejected_rows(ref, p.order_rows, reasons))
            else:
                p.target_id = order.pk
                created.append(p)

    if not rehearse:
        create_all()
        return created, refused
    try:
        with transaction.atomic():
            create_all()
            raise _Rehearsal
    except _Rehearsal:
        pass
    return created, refused


def write_orders(writer, planned: list) -> tuple[int, list]:
    """Create the planned orders inside the caller's transaction, with an ImportRecord each;
    (how many were created, the rows the service refused)."""
    if not planned:
        return 0, []
    created, refused = _create_each(writer, planned)
    ImportRecord.objects.bulk_create(
        ImportRecord(
            job_id=writer.job.pk, kind="order", object_id=p.target_id,
            action=ImportAction.CREATED,
        )
        for p in created
    )  # fmt: skip
    return len(created), refused


def cancel_imported_orders(actor, ids: list[int]) -> int:
    """Undo created orders the only way the sales rules allow, by cancelling them: an order
    still placed with nothing paid. One paid, shipped or already cancelled since is kept (and
    counted), as it now carries its own history."""
    kept = 0
    for order in Order.objects.filter(pk__in=ids).order_by("pk"):
        if order.status != OrderStatus.PLACED or order.paid_amount > 0:
            kept += 1
            continue
        try:
            with transaction.atomic():
                order_change_status(actor=actor, order=order, status=OrderStatus.CANCELLED)
        except ApplicationError:
            kept += 1
    return kept
