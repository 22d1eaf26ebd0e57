"""Jobs of customer value, run by the Huey consumer. The nightly run is scheduled in
config/schedules.py; the recomputation of a few customers is queued by `handlers` when their
orders, payments or tickets change. Both are safe to run twice."""

import logging

from huey.contrib.djhuey import db_task

from rapport.analytics.value.services.values import (
    customer_values_recompute,
    customer_values_recompute_all,
    customers_of_records,
)

logger = logging.getLogger(__name__)


@db_task()
def recompute_values_of_records(record_type: str, record_ids: list[int]) -> int:
    """Recompute the customers of some orders, payments, tickets or replies (or the persons or
    companies themselves)."""
    person_ids, company_ids = customers_of_records(record_type, record_ids)
    return customer_values_recompute(person_ids=person_ids, company_ids=company_ids)


def recompute_all_customer_values() -> int:
    """Every customer's value, rescored against everyone, and this month's snapshot."""
    written = customer_values_recompute_all()
    logger.info("Customer values: %d customers computed", written)
    return written
