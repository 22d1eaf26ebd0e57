"""Computing the product rules from the orders: one grouped query streamed into arrays, the
mining in numpy/scipy, the result written in place of the previous run's."""

import datetime
import time

import numpy as np
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from rapport.analytics.recommend.mining import Associations, Purchases, mine_associations
from rapport.analytics.recommend.models import AssociationRun, ProductAssociation, ProductBuyers
from rapport.sales.models import OrderLine, OrderStatus

WINDOW_DAYS = 60
MIN_CUSTOMERS = 3
MAX_PER_PRODUCT = 50
STREAM_CHUNK = 20_000
WRITE_BATCH = 5_000
SECONDS_PER_DAY = 86_400


def customer_key(person_id: int | None, company_id: int | None) -> int:
    """One integer per customer: a person (even), else a company (odd). An order with both is
    the person's."""
    return person_id * 2 if person_id is not None else company_id * 2 + 1


def purchases_before(as_of: datetime.datetime) -> Purchases:
    """Each customer's first purchase day of each product, over orders placed before `as_of`
    that count as sales (cancelled and returned orders don't). One GROUP BY, streamed."""
    rows = (
        OrderLine.objects.filter(product__isnull=False, order__placed_at__lt=as_of)
        .exclude(order__status__in=(OrderStatus.CANCELLED, OrderStatus.RETURNED))
        .values_list("order__person_id", "order__company_id", "product_id")
        .annotate(first=Min("order__placed_at"))
        .order_by()
    )
    customers, products, days = [], [], []
    for person_id, company_id, product_id, first in rows.iterator(chunk_size=STREAM_CHUNK):
        customers.append(customer_key(person_id, company_id))
        products.append(product_id)
        days.append(int(first.timestamp()) // SECONDS_PER_DAY)
    return Purchases.from_arrays(customers, products, days)


def day_number(moment: datetime.datetime) -> int:
    return int(moment.timestamp()) // SECONDS_PER_DAY


@transaction.atomic
def _store(result: Associations, run: AssociationRun) -> None:
    ProductAssociation.objects.all().delete()
    ProductBuyers.objects.all().delete()
    ProductBuyers.objects.bulk_create(
        (
            ProductBuyers(product_id=int(p), buyers=int(b), eligible=int(e))
            for p, b, e in zip(result.product_ids, result.buyers, result.eligible, strict=True)
        ),
        batch_size=WRITE_BATCH,
    )
    shares = result.followed_share
    ProductAssociation.objects.bulk_create(
        (
            ProductAssociation(
                product_id=int(result.product[i]),
                other_id=int(result.other[i]),
                both=int(result.both[i]),
                support=float(result.support[i]),
                confidence=float(result.confidence[i]),
                lift=float(result.lift[i]),
                followed=int(result.followed[i]),
                followed_share=None if np.isnan(shares[i]) else float(shares[i]),
            )
            for i in range(len(result.product))
        ),
        batch_size=WRITE_BATCH,
    )
    run.save()


def associations_compute(
    *,
    as_of: datetime.datetime | None = None,
    window_days: int = WINDOW_DAYS,
    min_customers: int = MIN_CUSTOMERS,
    max_per_product: int = MAX_PER_PRODUCT,
) -> AssociationRun:
    """Recompute every product pair from the orders placed before `as_of` (default: now) and
    replace the stored ones in one transaction (readers see the old set or the new one).
    Idempotent: the same orders give the same rows."""
    started = time.monotonic()
    as_of = as_of or timezone.now()
    purchases = purchases_before(as_of)
    result = mine_associations(
        purchases,
        as_of_day=day_number(as_of),
        window_days=window_days,
        min_customers=min_customers,
        max_per_product=max_per_product,
    )
    run = AssociationRun(
        computed_at=timezone.now(),
        as_of=as_of,
        window_days=window_days,
        min_customers=min_customers,
        customers=result.customers,
        purchases=len(purchases),
        pairs=len(result.product),
        seconds=0.0,
    )
    run.seconds = round(time.monotonic() - started, 3)
    _store(result, run)
    return run
