"""Reads of the churn part, scored customers always through the visibility rule."""

from django.db.models import Q, QuerySet

from rapport.accounts.access import linked_records_q
from rapport.accounts.models import User
from rapport.analytics.churn.models import ChurnModelRun, ChurnScore, RunStatus
from rapport.customers.models import Company, Person

AT_RISK = 0.5


def latest_run() -> ChurnModelRun | None:
    """The newest run, whatever its outcome (the model page shows it), without the model."""
    return ChurnModelRun.objects.defer("model").order_by("-started_at", "-id").first()


def latest_trained_run() -> ChurnModelRun | None:
    return (
        ChurnModelRun.objects.defer("model")
        .filter(status=RunStatus.TRAINED)
        .order_by("-started_at", "-id")
        .first()
    )


def scores_visible_to(user: User) -> QuerySet[ChurnScore]:
    """Scores of the customers `user` may see (a person's by the person, a company's by the
    company: `linked_records_q`)."""
    return ChurnScore.objects.filter(linked_records_q(user))


def at_risk_list(
    user: User, *, threshold: float = AT_RISK, owner_id: int | None = None
) -> QuerySet[ChurnScore]:
    """Visible customers at `threshold` risk or above, riskiest first; with `owner_id`, only
    that user's customers (a company's score counts for the company's owner)."""
    scores = scores_visible_to(user).filter(probability__gte=threshold)
    if owner_id is not None:
        scores = scores.filter(
            Q(person__owner_id=owner_id) | Q(person__isnull=True, company__owner_id=owner_id)
        )
    return scores.select_related("person", "person__owner", "company", "company__owner").order_by(
        "-probability", "id"
    )


def customer_score(customer: Person | Company) -> ChurnScore | None:
    """The score of a customer the caller has checked the user may see."""
    field = "person" if isinstance(customer, Person) else "company"
    return (
        ChurnScore.objects.filter(**{field: customer})
        .select_related("run")
        .defer("run__model", "run__importance", "run__calibration", "run__feature_spec")
        .first()
    )
