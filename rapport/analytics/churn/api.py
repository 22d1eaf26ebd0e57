"""The churn risk part of /api/v1 (collected by `rapport.analytics.api`): a person's and a
company's risk as sub-resources of the customer, and the paged list of the customers at risk.
Every answer goes through the reader's visibility rule: another team's customer is a 404 and
never appears in the list."""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from rapport.analytics.churn import selectors
from rapport.analytics.churn.models import ChurnModelRun, ChurnScore
from rapport.analytics.churn.reasons import reason_sentence
from rapport.core.api_schemas import Page, PageQuery, UserRef, error_responses, paginate
from rapport.core.schema_types import RecordId
from rapport.customers.models import Company, Person
from rapport.customers.selectors import get_company_for_user, get_person_for_user

router = Router(tags=["customers"])
routers: list[Router] = [router]


class ChurnModelOut(Schema):
    id: int
    as_of: datetime.datetime = Field(description="The features were read as of this instant.")
    trained_at: datetime.datetime | None = Field(description="When the training ended.")
    horizon_days: int = Field(description="No order within this many days is churning.")
    auc: float | None = Field(description="Area under the ROC curve on the validation cutoff.")


class ChurnReasonOut(Schema):
    code: str = Field(
        description="recency, rare_orders, few_orders, orders_year, low_spend, spend_down, "
        "new_customer, few_contacts, last_contact, tickets, complaints, csat, nps, email, "
        "region or choice."
    )
    text: str = Field(description="The reason in the caller's language.")
    values: dict = Field(description='The reason\'s figures, e.g. {"days": 210, "gap": 45}.')


class ChurnRiskOut(Schema):
    status: str = Field(
        description="`scored`; `not_scored` (the customer has no counted order: they cannot "
        "churn yet); `no_model` (no model trained yet: every other field is null or empty)."
    )
    probability: float | None = Field(None, description="Risk of churning within the horizon.")
    previous_probability: float | None = Field(None, description="At the scoring before.")
    reasons: list[ChurnReasonOut] = Field(
        default_factory=list, description="Largest effect first; only for a risk of 0.5 or more."
    )
    scored_at: datetime.datetime | None = None
    model: ChurnModelOut | None = None


class AtRiskOut(Schema):
    kind: str = Field(description="`person` or `company`.")
    customer_id: int
    name: str
    owner: UserRef | None
    probability: float
    previous_probability: float | None
    reasons: list[ChurnReasonOut]
    scored_at: datetime.datetime


class AtRiskQuery(PageQuery):
    min_risk: float = Field(
        selectors.AT_RISK, ge=0, le=1, description="Customers at this risk or above (0–1)."
    )
    owner_id: RecordId | None = Field(None, description="Only this user's customers.")


def _reasons(reasons: list[dict]) -> list[dict]:
    return [
        {
            "code": reason.get("code", ""),
            "text": reason_sentence(reason),
            "values": {k: v for k, v in reason.items() if k != "code"},
        }
        for reason in reasons or []
    ]


def _model(run: ChurnModelRun) -> dict:
    return {
        "id": run.pk,
        "as_of": run.as_of,
        "trained_at": run.finished_at,
        "horizon_days": run.horizon_days,
        "auc": run.auc,
    }


def _risk(customer: Person | Company) -> dict:
    score = selectors.customer_score(customer)
    if score is None:
        run = selectors.latest_trained_run()
        if run is None:
            return {"status": "no_model"}
        return {"status": "not_scored", "model": _model(run)}
    return {
        "status": "scored",
        "probability": score.probability,
        "previous_probability": score.previous_probability,
        "reasons": _reasons(score.reasons),
        "scored_at": score.scored_at,
        "model": _model(score.run),
    }


@router.get(
    "/persons/{int:person_id}/churn-risk",
    response={200: ChurnRiskOut, **error_responses(404)},
    description="The person's risk of placing no order within the horizon, why, and the model "
    "it comes from (the weekly churn model on orders, contacts, tickets, surveys and e-mails).",
)
def person_churn_risk(request: HttpRequest, person_id: RecordId):
    return _risk(get_person_for_user(request.auth, person_id))


@router.get(
    "/companies/{int:company_id}/churn-risk",
    response={200: ChurnRiskOut, **error_responses(404)},
    description="The company's risk, from what was recorded for the company alone (orders "
    "without a person).",
)
def company_churn_risk(request: HttpRequest, company_id: RecordId):
    return _risk(get_company_for_user(request.auth, company_id))


def _at_risk_row(score: ChurnScore) -> dict:
    customer = score.customer
    return {
        "kind": "person" if score.person_id else "company",
        "customer_id": customer.pk,
        "name": str(customer),
        "owner": customer.owner,
        "probability": score.probability,
        "previous_probability": score.previous_probability,
        "reasons": _reasons(score.reasons),
        "scored_at": score.scored_at,
    }


@router.get(
    "/analytics/churn/at-risk",
    response={200: Page[AtRiskOut], **error_responses(422)},
    description="The customers the caller may see at `min_risk` or above, riskiest first.",
)
def at_risk_list(request: HttpRequest, query: Query[AtRiskQuery]):
    scores = selectors.at_risk_list(request.auth, threshold=query.min_risk, owner_id=query.owner_id)
    page = paginate(scores, sort="-probability", cursor=query.cursor, limit=query.limit)
    return {**page, "items": [_at_risk_row(score) for score in page["items"]]}
