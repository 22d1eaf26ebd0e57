"""The facts' job: the slices a committed change touched, computed again away from the request
that saved it (docs/decisions.md, "Daily facts"). Safe to run twice: it recomputes from the
sales tables."""

from huey.contrib.djhuey import db_task

from rapport.analytics.facts.activity_upkeep import activity_facts_refresh, customers_interactions
from rapport.analytics.facts.upkeep import facts_refresh_changes


@db_task()
def refresh_facts(
    order_ids: list[int], payment_ids: list[int], person_ids: list[int], company_ids: list[int]
) -> None:
    facts_refresh_changes(
        order_ids=order_ids,
        payment_ids=payment_ids,
        person_ids=person_ids,
        company_ids=company_ids,
    )


@db_task()
def refresh_activity_facts(
    record_ids: dict[str, list[int]], person_ids: list[int], company_ids: list[int]
) -> None:
    """The days of the interactions, leads and deals a change touched, and of the interactions
    of persons and companies whose owner or team changed."""
    ids = {kind: set(pks) for kind, pks in record_ids.items()}
    ids.setdefault("interaction", set()).update(
        customers_interactions(person_ids=person_ids, company_ids=company_ids)
    )
    for kind, pks in ids.items():
        if pks:
            activity_facts_refresh(kind, pks)
