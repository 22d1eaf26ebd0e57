"""Lifetime value on a person's or a company's page (the insights slot of
`rapport.analytics.panels`)."""

from rapport.analytics.lifetime.selectors import current_run, customer_prediction
from rapport.analytics.panels import CustomerSection

TEMPLATE = "analytics_lifetime/_person_section.html"


def customer_lifetime(user, customer) -> CustomerSection | None:
    """The customer's prediction from the current model; nothing while no model is fitted."""
    run = current_run()
    if run is None:
        return None
    return CustomerSection(
        TEMPLATE, {"run": run, "prediction": customer_prediction(user, customer, run=run)}
    )
