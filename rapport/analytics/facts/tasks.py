"""The facts' job: the slices a committed change touched, computed again away from the request
that saved it (docs/decisions.md, "Daily facts"). Safe to run twice: it recomputes from the
sales tables."""

from huey.contrib.djhuey import db_task

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
