"""A won deal becomes an order in one step."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import ApplicationError
from rapport.sales.models import Deal, DealStatus, Order
from rapport.sales.services.orders.placing import _create


class DealNotReady(ApplicationError):
    status = 409


@transaction.atomic
def order_create_from_deal(*, actor: User, deal: Deal) -> Order:
    """Turn a won deal into an order in one step.

    The deal's products become the lines, each with its discount (a percentage stays one), or,
    without products, one line of the deal's title and amount; the customer, currency and link
    to the deal are kept. A deal that is not won is refused (409 `deal_not_won`); a deal that
    already became an order is refused too (409 `deal_already_ordered`, with that order's id
    and number in `details`), so a double click cannot bill the customer twice.
    """
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if deal.status != DealStatus.WON:
        raise DealNotReady("deal_not_won", _("Only a won deal can become an order."))
    existing = Order.objects.filter(deal=deal).order_by("pk").first()
    if existing is not None:
        raise DealNotReady(
            "deal_already_ordered",
            _("This deal is already order %(number)s.") % {"number": existing.number},
            {"order_id": existing.pk, "number": existing.number},
        )
    if deal.person_id is None and deal.company_id is None:
        raise DealNotReady("deal_without_customer", _("The deal has no person or company."))
    lines = [
        {
            "product_id": line.product_id,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            # A percentage is carried as one; the order works it out by the same rule on the
            # same quantity × unit price, so the amount is the deal line's to the cent.
            **(
                {"discount_percent": str(line.discount_percent)}
                if line.discount_percent is not None
                else {"discount": str(line.discount)}
            ),
        }
        for line in deal.lines.all()
    ] or [{"description": deal.title[:200], "quantity": 1, "unit_price": str(deal.amount)}]
    data = {
        "person_id": deal.person_id,
        "company_id": deal.company_id,
        "currency": deal.currency,
        "price_list_id": None,
        "lines": lines,
    }
    return _create(actor=actor, data=data, deal=deal)
