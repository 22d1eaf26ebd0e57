"""The churn API: a customer's risk with its reasons and model, and the at-risk list, each only for
whom may see the customer (another team's is a 404 and never listed)."""

import pytest

from rapport.analytics.churn.models import ChurnModelRun, ChurnScore, RunStatus
from rapport.analytics.churn.tests.factories import NOW, company, person
from rapport.api.tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _run() -> ChurnModelRun:
    return ChurnModelRun.objects.create(
        started_at=NOW,
        finished_at=NOW,
        as_of=NOW,
        horizon_days=180,
        status=RunStatus.TRAINED,
        auc=0.74,
    )


def _score(run, customer, probability, reasons=()) -> ChurnScore:
    field = "company" if customer._meta.model_name == "company" else "person"
    return ChurnScore.objects.create(
        run=run,
        probability=probability,
        previous_probability=0.3,
        reasons=list(reasons),
        scored_at=NOW,
        **{field: customer},
    )


def test_a_persons_risk_comes_with_its_reasons_and_the_models_date(alice):
    run = _run()
    customer = person(alice)
    _score(run, customer, 0.81, [{"code": "complaints", "count": 2}])

    body = client_for(alice).get(f"/persons/{customer.pk}/churn-risk").json()

    assert body["status"] == "scored"
    assert body["probability"] == 0.81
    assert body["previous_probability"] == 0.3
    assert body["reasons"] == [
        {"code": "complaints", "text": "2 complaints in the last 90 days.", "values": {"count": 2}}
    ]
    assert body["model"]["id"] == run.pk
    assert body["model"]["as_of"].startswith("2026-06-01")
    assert body["model"]["horizon_days"] == 180


def test_a_companys_risk_and_a_customer_without_a_score(alice):
    run = _run()
    firm = company(alice)
    _score(run, firm, 0.64)
    unscored = person(alice)
    api = client_for(alice)

    scored = api.get(f"/companies/{firm.pk}/churn-risk").json()
    not_scored = api.get(f"/persons/{unscored.pk}/churn-risk").json()

    assert (scored["status"], scored["probability"]) == ("scored", 0.64)
    assert not_scored["status"] == "not_scored"
    assert not_scored["probability"] is None
    assert not_scored["model"]["id"] == run.pk


def test_without_a_model_the_risk_says_so(alice):
    customer = person(alice)

    body = client_for(alice).get(f"/persons/{customer.pk}/churn-risk").json()

    assert body["status"] == "no_model"
    assert body["model"] is None


def test_another_teams_customer_risk_is_a_404(alice, charlie):
    run = _run()
    theirs = person(charlie)
    their_company = company(charlie)
    _score(run, theirs, 0.9)
    _score(run, their_company, 0.9)
    api = client_for(alice)

    assert api.get(f"/persons/{theirs.pk}/churn-risk").status_code == 404
    assert api.get(f"/companies/{their_company.pk}/churn-risk").status_code == 404


def test_at_risk_list_filters_by_risk_and_owner_and_hides_other_teams(
    alice, bob, charlie, django_assert_max_num_queries
):
    run = _run()
    high = _score(run, person(alice, name="High"), 0.9).person
    _score(run, person(alice, name="Low"), 0.55)
    firm = _score(run, company(bob, name="Bob's firm"), 0.7).company
    _score(run, person(charlie, name="West secret"), 0.95)
    api = client_for(alice)

    with django_assert_max_num_queries(6):
        everyone = api.get("/analytics/churn/at-risk", {"min_risk": 0.6}).json()
    bobs = api.get("/analytics/churn/at-risk", {"owner_id": bob.pk}).json()

    assert [(r["kind"], r["customer_id"]) for r in everyone["items"]] == [
        ("person", high.pk),
        ("company", firm.pk),
    ]
    assert everyone["items"][0]["owner"]["id"] == alice.pk
    assert [r["name"] for r in bobs["items"]] == ["Bob's firm"]


def test_at_risk_list_pages_by_risk(alice):
    run = _run()
    for i in range(5):
        _score(run, person(alice, name=f"P{i}"), 0.5 + i / 10)
    api = client_for(alice)

    first = api.get("/analytics/churn/at-risk", {"limit": 3}).json()
    second = api.get("/analytics/churn/at-risk", {"cursor": first["next_cursor"]}).json()

    risks = [r["probability"] for r in first["items"] + second["items"]]
    assert risks == [0.9, 0.8, 0.7, 0.6, 0.5]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("params", [{"min_risk": 1.5}, {"min_risk": "x"}, {"owner_id": 2**63}])
def test_at_risk_list_refuses_a_bad_filter(alice, params):
    response = client_for(alice).get("/analytics/churn/at-risk", params)

    assert response.status_code == 422
