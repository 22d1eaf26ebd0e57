"""HTML forms for products, price lists, orders and payments.

The forms only shape the browser's input into the `data` the services take; every rule (money,
quantities, instalments adding up, visibility) is checked by the services, whose
`ValidationFailed.details` are put back next to the inputs here. An order's lines and
instalments are repeated rows posted as `lines-<i>-<field>` and `instalments-<i>-<field>`.
"""

import re
import uuid

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.formats import format_money
from rapport.core.forms import ServiceErrorsMixin
from rapport.sales.models import Payment, PaymentMethod, PriceList, Product, RefundReason

ROW_FIELDS = {
    "lines": (
        "product_id",
        "description",
        "quantity",
        "unit_price",
        "discount",
        "discount_percent",
    ),
    "instalments": ("due_date", "amount"),
}
# A row counts as filled in when one of these has a value; empty rows are dropped silently.
ROW_CONTENT = {
    "lines": ("product_id", "description", "unit_price"),
    "instalments": ("due_date", "amount"),
}
PRODUCT_OPTIONS_SHOWN = 100


def _testid(name: str) -> dict:
    return {"data-testid": f"field-{name}"}


def _text(label, name, *, textarea=False, **attrs):
    widget = (
        forms.Textarea(attrs={"rows": 3, **_testid(name), **attrs})
        if textarea
        else forms.TextInput(attrs={**_testid(name), **attrs})
    )
    return forms.CharField(label=label, required=False, widget=widget)


def _money(label, name):
    return _text(label, name, inputmode="decimal", autocomplete="off")


# --- Catalogue -----------------------------------------------------------------------------------


class ProductForm(ServiceErrorsMixin, forms.Form):
    sku = _text(_("SKU"), "sku")
    name = _text(_("Name"), "name")
    category = _text(_("Category"), "category")
    unit_price = _money(_("Unit price"), "unit_price")
    currency = _text(_("Currency"), "currency")
    description = _text(_("Description"), "description", textarea=True)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(_testid("is_active")),
    )

    def __init__(self, *args, instance: Product | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None and not self.is_bound:
            self.initial.update(
                {f: getattr(instance, f) for f in ("sku", "name", "category", "currency")}
                | {
                    "unit_price": str(instance.unit_price),
                    "description": instance.description,
                    "is_active": instance.is_active,
                }
            )
        elif not self.is_bound:
            self.initial["currency"] = "CNY"

    def to_data(self) -> dict:
        data = {
            f: self.cleaned_data[f]
            for f in ("sku", "name", "category", "unit_price", "description", "is_active")
        }
        if self.cleaned_data["currency"]:
            data["currency"] = self.cleaned_data["currency"]
        return data


class PriceListForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "name")
    currency = _text(_("Currency"), "currency")
    is_default = forms.BooleanField(label=_("Default price list"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    valid_from = forms.CharField(
        label=_("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **_testid("valid_from")}),
    )
    valid_until = forms.CharField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **_testid("valid_until")}),
    )

    def __init__(self, *args, instance: PriceList | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None and not self.is_bound:
            self.initial.update(
                name=instance.name,
                currency=instance.currency,
                is_default=instance.is_default,
                is_active=instance.is_active,
                valid_from=instance.valid_from.isoformat() if instance.valid_from else "",
                valid_until=instance.valid_until.isoformat() if instance.valid_until else "",
            )
        elif not self.is_bound:
            self.initial["currency"] = "CNY"

    def to_data(self) -> dict:
        data = {f: self.cleaned_data[f] for f in ("name", "is_default", "is_active")}
        data["valid_from"] = self.cleaned_data["valid_from"] or None
        data["valid_until"] = self.cleaned_data["valid_until"] or None
        if self.cleaned_data["currency"]:
            data["currency"] = self.cleaned_data["currency"]
        return data


class PriceListItemForm(ServiceErrorsMixin, forms.Form):
    product_id = forms.TypedChoiceField(
        label=_("Product"), coerce=int, widget=forms.Select(attrs=_testid("product_id"))
    )
    unit_price = _money(_("Price on this list"), "unit_price")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(is_active=True).order_by("name")[:500]
        self.fields["product_id"].choices = [(p.pk, f"{p.sku} · {p.name}") for p in products]


# --- Orders --------------------------------------------------------------------------------------


def parse_rows(data, section: str) -> list[dict]:
    """The filled-in rows of one repeated section, in the order they appear on the page."""
    pattern = re.compile(rf"^{section}-(\d+)-(\w+)$")
    rows: dict[int, dict] = {}
    for key in data:
        match = pattern.match(key)
        if match and match.group(2) in ROW_FIELDS[section]:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = data.get(key, "").strip()
    return [
        rows[index]
        for index in sorted(rows)
        if any(rows[index].get(field) for field in ROW_CONTENT[section])
    ]


def product_choices() -> list[Product]:
    """The active products an order line offers before the user searches."""
    return list(
        Product.objects.filter(is_active=True).order_by("name", "id")[:PRODUCT_OPTIONS_SHOWN]
    )


class OrderForm(ServiceErrorsMixin, forms.Form):
    """A new order: its customer, price list, date, notes, and repeated lines and instalments.

    `customer` is "person:<id>" or "company:<id>"; the service checks the actor may see it.
    """

    sections = ("lines", "instalments")
    row_error_key = "row"
    error_aliases = {"person_id": "customer", "company_id": "customer"}

    customer = forms.CharField(
        label=_("Customer"), required=False, widget=forms.Select(attrs=_testid("customer"))
    )
    price_list_id = forms.ChoiceField(
        label=_("Price list"), required=False, widget=forms.Select(attrs=_testid("price_list_id"))
    )
    placed_at = forms.CharField(
        label=_("Order date"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", **_testid("placed_at")}),
    )
    discount = _money(_("Order discount"), "discount")
    discount_percent = _text(
        _("or order discount (%)"),
        "discount_percent",
        inputmode="decimal",
        autocomplete="off",
    )
    notes = _text(_("Notes"), "notes", textarea=True)

    def __init__(self, *args, customer_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.customer_label = customer_label
        self.fields["price_list_id"].choices = [
            ("", _("Default price list")),
            *[(str(p.pk), p.name) for p in PriceList.objects.filter(is_active=True)],
        ]
        self.row_errors: dict[str, dict[int, dict[str, list[str]]]] = {s: {} for s in self.sections}
        self.section_errors: dict[str, list[str]] = {s: [] for s in self.sections}
        self._rows: dict[str, list[dict]] | None = None

    @property
    def rows(self) -> dict[str, list[dict]]:
        """Each section's rows as the template renders them: values plus their errors."""
        if self._rows is None:
            self._rows = {
                section: parse_rows(self.data, section) if self.is_bound else []
                for section in self.sections
            }
            if not self.is_bound:
                self._rows["lines"] = [{"quantity": "1"}]
        return {
            section: [
                {**row, "index": i, "errors": self.row_errors[section].get(i, {})}
                for i, row in enumerate(rows)
            ]
            for section, rows in self._rows.items()
        }

    def customer_ids(self) -> dict:
        kind, _sep, pk = (self.cleaned_data.get("customer") or "").partition(":")
        if kind in ("person", "company") and pk.isdigit():
            return {f"{kind}_id": int(pk)}
        return {}

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        data: dict = {"notes": cleaned["notes"], **self.customer_ids()}
        if cleaned["price_list_id"]:
            data["price_list_id"] = int(cleaned["price_list_id"])
        if cleaned["placed_at"]:
            data["placed_at"] = cleaned["placed_at"]
        for key in ("discount", "discount_percent"):
            if cleaned[key]:
                data[key] = cleaned[key]
        rows = self.rows
        data["lines"] = [self._line(row) for row in rows["lines"]]
        if rows["instalments"]:
            data["instalments"] = [
                {"due_date": row.get("due_date", ""), "amount": row.get("amount", "")}
                for row in rows["instalments"]
            ]
        return data

    @staticmethod
    def _line(row: dict) -> dict:
        line = {
            "quantity": row.get("quantity", ""),
            "unit_price": row.get("unit_price", ""),
            "discount": row.get("discount", ""),
            "discount_percent": row.get("discount_percent", ""),
        }
        product_id = row.get("product_id", "")
        if product_id:
            line["product_id"] = int(product_id) if product_id.isdigit() else product_id
        if row.get("description"):
            line["description"] = row["description"]
        return line


class IdempotentFormMixin:
    """A hidden key sent with every submission of the form (docs/decisions.md, "Refunds").

    A fresh key is made when the form is first shown and kept when it comes back with errors,
    so submitting the same form twice (a double click, a resent request) records once: the
    service answers the second with what the first recorded.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"] = forms.CharField(
            required=False, widget=forms.HiddenInput(attrs=_testid("idempotency_key"))
        )
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def field_for_error(self, key: str) -> str | None:
        if key == "idempotency_key":
            return None
        return super().field_for_error(key)

    def renew_key(self) -> None:
        """A new key, for a form whose key was already used for something else."""
        self.data = self.data.copy()
        self.data["idempotency_key"] = uuid.uuid4().hex


class PaymentForm(IdempotentFormMixin, ServiceErrorsMixin, forms.Form):
    amount = _money(_("Amount"), "amount")
    paid_at = forms.CharField(
        label=_("Paid at"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", **_testid("paid_at")}),
    )
    method = forms.ChoiceField(
        label=_("Method"),
        choices=PaymentMethod.choices,
        initial=PaymentMethod.BANK_TRANSFER,
        widget=forms.Select(attrs=_testid("method")),
    )
    reference = _text(_("Reference"), "reference")

    def to_kwargs(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "amount": cleaned["amount"],
            "paid_at": cleaned["paid_at"] or None,
            "method": cleaned["method"],
            "reference": cleaned["reference"],
            "idempotency_key": cleaned["idempotency_key"] or None,
        }


def _payment_label(payment: Payment) -> str:
    left = payment.amount - payment.refunded_amount
    paid_on = formats.date_format(timezone.localtime(payment.paid_at), "DATE_FORMAT")
    return _("%(date)s · %(method)s · %(left)s of %(amount)s left") % {
        "date": paid_on,
        "method": payment.get_method_display(),
        "left": format_money(left),
        "amount": format_money(payment.amount),
    }


class RefundForm(IdempotentFormMixin, ServiceErrorsMixin, forms.Form):
    """Money paid back for an order. `payments` are the order's payments with something left
    to refund, newest first; the newest is reversed unless another is chosen. "Owed again" is
    offered on open orders only: on a cancelled or returned order a refund only lowers what it
    kept."""

    error_aliases = {"payment_id": "payment"}

    amount = _money(_("Amount"), "refund_amount")
    payment = forms.ChoiceField(
        label=_("Payment to reverse"), required=False, widget=forms.Select(attrs=_testid("payment"))
    )
    refunded_at = forms.CharField(
        label=_("Refunded at"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", **_testid("refunded_at")}),
    )
    method = forms.ChoiceField(
        label=_("Method"),
        required=False,
        choices=[("", _("As the payment was made")), *PaymentMethod.choices],
        widget=forms.Select(attrs=_testid("refund_method")),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=RefundReason.choices,
        initial=RefundReason.OTHER,
        widget=forms.Select(attrs=_testid("reason")),
    )
    owed_again = forms.BooleanField(
        label=_("The customer still owes this amount (payment undone)"),
        required=False,
        help_text=_(
            "Leave unticked when the customer keeps the goods and the order is worth less."
        ),
        widget=forms.CheckboxInput(_testid("owed_again")),
    )
    reference = _text(_("Reference"), "refund_reference")
    notes = _text(_("Notes"), "refund_notes", textarea=True)

    def __init__(self, *args, payments: list[Payment], order_open: bool, **kwargs):
        # The page also shows the payment form: its inputs keep Django's ids.
        kwargs.setdefault("auto_id", "refund_%s")
        super().__init__(*args, **kwargs)
        self.payments = {str(p.pk): p for p in payments}
        self.fields["payment"].choices = [
            *[(key, _payment_label(p)) for key, p in self.payments.items()],
            ("", _("Several, newest first")),
        ]
        if not self.is_bound and payments:
            self.initial.setdefault("payment", str(payments[0].pk))
            self.initial.setdefault("amount", str(payments[0].amount - payments[0].refunded_amount))
        if not order_open:
            del self.fields["owed_again"]

    def to_kwargs(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "amount": cleaned["amount"],
            "payment": self.payments.get(cleaned["payment"]),
            "refunded_at": cleaned["refunded_at"] or None,
            "method": cleaned["method"] or None,
            "reason": cleaned["reason"],
            "owed_again": cleaned.get("owed_again", False),
            "reference": cleaned["reference"],
            "notes": cleaned["notes"],
            "idempotency_key": cleaned["idempotency_key"] or None,
        }
