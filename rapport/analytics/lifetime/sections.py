"""Lifetime value on a person's page (the insights slot of `rapport.analytics.panels`)."""

from rapport.analytics.lifetime.selectors import current_run, person_prediction
from rapport.analytics.panels import CustomerSection

TEMPLATE = "analytics_lifetime/_person_section.html"


def person_lifetime(user, person) -> CustomerSection | None:
    """The person's prediction from the current model; nothing while no model is fitted."""
    run = current_run()
    if run is None:
        return None
    return CustomerSection(
        TEMPLATE, {"run": run, "prediction": person_prediction(user, person, run=run)}
    )
