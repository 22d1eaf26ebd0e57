"""The churn section of a customer's page (registered in apps.py, order 30)."""

from rapport.analytics.churn import selectors
from rapport.analytics.churn.reasons import reason_sentences
from rapport.analytics.panels import CustomerSection
from rapport.customers.models import Person


def churn_section(user, customer) -> CustomerSection | None:
    """The customer's risk, its reasons and the call-task button; nothing before a scoring."""
    score = selectors.customer_score(customer)
    if score is None:
        return None
    kind = "person" if isinstance(customer, Person) else "company"
    return CustomerSection(
        "analytics_churn/_section.html",
        {
            "score": score,
            "percent": round(score.probability * 100),
            "at_risk": score.probability >= selectors.AT_RISK,
            "reasons": reason_sentences(score.reasons),
            "kind": kind,
            "customer": customer,
            # The automation app's ready-made "win-back e-mail" rule is the other next step;
            # rules are administrators' work, so only they get the link.
            "may_automate": user.is_administrator,
        },
    )
