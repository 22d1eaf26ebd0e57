"""The "order" merge source of e-mail templates (`{{ order.number }}`, `{{ order.total }}`).

Registered with `rapport.messaging.merge_fields` from SalesConfig.ready(). A message about an
order gets it in `email_send_template(records={"order": order})`; otherwise (a preview, a rule
on the person) the person's latest order is used.
"""

from django.utils.translation import gettext_lazy as _

from rapport.core.formats import format_date, format_money
from rapport.messaging.merge_fields import MergeSource, register_merge_source
from rapport.sales.models import Order


def _order(order: Order) -> dict:
    return {
        "number": order.number,
        "total": format_money(order.total, order.currency),
        "paid": format_money(order.paid_amount, order.currency),
        "currency": order.currency,
        "status": str(order.get_status_display()),
        "placed_on": format_date(order.placed_at),
    }


def _latest_order(person) -> Order | None:
    return Order.objects.filter(person=person).order_by("-placed_at", "-id").first()


def register() -> None:
    register_merge_source(
        MergeSource(
            name="order",
            label=_("Order"),
            fields={
                "number": _("order number"),
                "total": _("total"),
                "paid": _("paid"),
                "currency": _("currency"),
                "status": _("status"),
                "placed_on": _("placed on"),
            },
            build=_order,
            from_person=_latest_order,
        )
    )
