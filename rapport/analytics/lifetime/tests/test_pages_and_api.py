"""The model page (administrators'), the person's section and the API, each only for whom may
see: another team's person is a 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.saved_view_services import list_columns_set
from rapport.accounts.services import api_key_create
from rapport.analytics.lifetime import lists
from rapport.analytics.lifetime.models import LifetimeModelRun, LifetimePrediction, RunStatus
from rapport.analytics.lifetime.services import lifetime_fit
from rapport.analytics.lifetime.tests.factories import (
    companies,
    order_row,
    persons,
    regulars_and_leavers,
)
from rapport.api.tests.conftest import ApiClient
from rapport.sales.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def fitted(alice):
    """Forty of alice's persons, some still buying, some not, fitted with a holdout."""
    people = regulars_and_leavers(alice, 40, timezone.localdate())
    run = LifetimeModelRun.objects.create(
        as_of=timezone.localdate(), holdout_weeks=12, currency="CNY"
    )
    lifetime_fit(run)
    assert run.status == RunStatus.FITTED
    return people


def test_the_model_page_shows_parameters_and_the_check_to_administrators(
    client, admin_user, fitted
):
    client.force_login(admin_user)

    page = client.get(reverse("analytics_lifetime:model")).content.decode()

    assert 'data-testid="lifetime-parameters"' in page
    assert 'data-testid="lifetime-check-chart"' in page
    assert "lifetime-holdout-data" in page


def test_the_model_page_says_when_there_is_too_little_data(client, admin_user, alice):
    people = persons(alice, 3)
    Order.objects.bulk_create(
        [
            order_row(p, timezone.localdate() - datetime.timedelta(days=d))
            for p in people
            for d in (5, 50)
        ]
    )
    lifetime_fit(LifetimeModelRun.objects.create(as_of=timezone.localdate(), currency="CNY"))
    client.force_login(admin_user)

    page = client.get(reverse("analytics_lifetime:model")).content.decode()

    assert "Too little data: 3 customers with repeat purchases, the model needs 30." in page
    assert 'data-testid="lifetime-parameters"' not in page


def test_representatives_may_not_open_the_model_page_nor_fit(client, alice):
    client.force_login(alice)

    assert client.get(reverse("analytics_lifetime:model")).status_code == 403
    assert client.post(reverse("analytics_lifetime:fit"), {"holdout_weeks": "0"}).status_code == 403
    assert not LifetimeModelRun.objects.exists()


def test_fit_now_queues_a_run_and_a_bad_holdout_is_a_form_error(client, admin_user):
    client.force_login(admin_user)
    empty = client.get(reverse("analytics_lifetime:model")).content.decode()
    assert 'data-testid="lifetime-empty"' in empty

    bad = client.post(reverse("analytics_lifetime:fit"), {"holdout_weeks": "-3"})
    good = client.post(reverse("analytics_lifetime:fit"), {"holdout_weeks": "8"})

    assert bad.status_code == 200
    assert 'data-testid="error-holdout_weeks"' in bad.content.decode()
    assert good.status_code == 302
    run = LifetimeModelRun.objects.get()
    assert (run.holdout_weeks, run.started_by) == (8, admin_user)
    page = client.get(reverse("analytics_lifetime:model")).content.decode()
    assert 'data-testid="lifetime-active"' in page
    assert 'data-testid="lifetime-runs"' in page


def test_the_persons_page_section_shows_their_prediction(client, alice, charlie, fitted):
    person = fitted[0]
    url = reverse("analytics:person_insights", args=[person.pk])
    client.force_login(alice)

    page = client.get(url).content.decode()

    assert 'data-testid="lifetime-alive"' in page
    assert 'data-testid="lifetime-value"' in page
    client.force_login(charlie)
    assert client.get(url).status_code == 404


def test_the_api_gives_the_prediction_and_404_for_a_person_the_caller_may_not_see(
    alice, charlie, fitted
):
    path = f"/persons/{fitted[0].pk}/lifetime-value"
    as_alice = ApiClient(api_key_create(user=alice, name="test")[1])
    as_charlie = ApiClient(api_key_create(user=charlie, name="test")[1])

    body = as_alice.get(path).json()
    hidden = as_charlie.get(path)

    assert body["status"] == "predicted"
    assert body["frequency"] == 19
    assert 0 <= body["probability_alive"] <= 1
    assert body["expected_value"] is not None
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"


def test_the_person_list_shows_and_filters_by_probability_alive(client, alice, fitted):
    # Registered again: another test module may have emptied the list extensions.
    lists.register()
    list_columns_set(
        actor=alice, list_key="persons", columns=["name", "lifetime_alive", "lifetime_value"]
    )
    predictions = LifetimePrediction.objects.filter(person__in=fitted)
    likely = {p.person.full_name for p in predictions if p.probability_alive >= 0.7}
    unlikely = {p.person.full_name for p in predictions if p.probability_alive < 0.3}
    client.force_login(alice)

    page = client.get(reverse("customers:person_list"), {"lifetime_alive": "likely"})

    body = page.content.decode()
    assert 'data-label="Probability still a customer"' in body
    assert 'data-label="Expected value, next 365 days"' in body
    assert likely and unlikely
    assert all(f">{name}<" not in body for name in unlikely)


@pytest.fixture
def fitted_company(alice):
    """A company buying every month for a year, without a named buyer, fitted among forty
    persons: one model for every customer."""
    today = timezone.localdate()
    regulars_and_leavers(alice, 40, today)
    (firm,) = companies(alice, 1, prefix="Firm")
    Order.objects.bulk_create(
        order_row(firm, today - datetime.timedelta(days=d), "300.00") for d in range(10, 370, 30)
    )
    run = LifetimeModelRun.objects.create(as_of=today, holdout_weeks=0, currency="CNY")
    lifetime_fit(run)
    assert run.status == RunStatus.FITTED
    return firm


def test_a_company_is_predicted_with_the_persons_and_shown_on_its_page(
    client, alice, charlie, fitted_company
):
    prediction = LifetimePrediction.objects.get(company=fitted_company)
    url = reverse("analytics:company_insights", args=[fitted_company.pk])
    client.force_login(alice)

    page = client.get(url).content.decode()

    assert prediction.frequency == 11
    assert LifetimePrediction.objects.filter(person__isnull=False).count() == 40
    assert 'data-testid="lifetime-alive"' in page
    assert f">{prediction.alive_percent}%<" in page
    client.force_login(charlie)
    assert client.get(url).status_code == 404


def test_the_api_gives_a_companys_prediction_and_404_to_another_team(
    alice, charlie, fitted_company
):
    path = f"/companies/{fitted_company.pk}/lifetime-value"
    as_alice = ApiClient(api_key_create(user=alice, name="test")[1])
    as_charlie = ApiClient(api_key_create(user=charlie, name="test")[1])

    body = as_alice.get(path).json()

    assert body["status"] == "predicted"
    assert body["frequency"] == 11
    assert body["expected_value"] is not None
    assert as_charlie.get(path).status_code == 404


def test_the_company_list_shows_and_filters_by_probability_alive(client, alice, fitted_company):
    lists.register()
    list_columns_set(actor=alice, list_key="companies", columns=["name", "lifetime_alive"])
    (idle,) = companies(alice, 1, prefix="Idle")
    prediction = LifetimePrediction.objects.get(company=fitted_company)
    band = "likely" if prediction.probability_alive >= 0.7 else "uncertain"
    client.force_login(alice)

    body = client.get(reverse("customers:company_list"), {"lifetime_alive": band}).content.decode()

    assert 'data-label="Probability still a customer"' in body
    assert f">{prediction.alive_percent}%<" in body
    assert fitted_company.name in body
    assert idle.name not in body
