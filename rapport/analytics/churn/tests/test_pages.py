import pytest
from django.urls import reverse

from rapport.analytics.churn.models import ChurnModelRun, ChurnScore, ChurnSettings, RunStatus
from rapport.analytics.churn.tests.factories import NOW, person

CALIBRATION = [
    {"low": 0.0, "high": 0.1, "predicted": 0.05, "observed": 0.07, "count": 120},
    {"low": 0.8, "high": 0.9, "predicted": 0.84, "observed": 0.8, "count": 30},
]
IMPORTANCE = [
    {"feature": "recency_days", "importance": 0.12},
    {"feature": "region_0", "importance": 0.01},
]


def _trained_run() -> ChurnModelRun:
    return ChurnModelRun.objects.create(
        started_at=NOW,
        finished_at=NOW,
        as_of=NOW,
        horizon_days=180,
        status=RunStatus.TRAINED,
        train_size=400,
        train_churned=90,
        valid_size=450,
        valid_churned=100,
        scored=470,
        auc=0.812,
        precision_at_10=0.55,
        base_rate=0.22,
        calibration=CALIBRATION,
        importance=IMPORTANCE,
        feature_spec={
            "columns": ["recency_days", "region_0"],
            "regions": ["浙江省"],
            "choices": [],
        },
    )


@pytest.mark.django_db
def test_model_page_shows_the_validation_figures_and_the_charts_data(client, alice):
    _trained_run()
    client.force_login(alice)

    page = client.get(reverse("analytics_churn:model")).content.decode()

    assert "0.812" in page
    assert "55%" in page
    assert "Region: 浙江省" in page
    assert 'id="churn-chart-data"' in page
    assert 'data-testid="churn-train"' not in page  # administrators only


@pytest.mark.django_db
def test_model_page_says_too_little_data_instead_of_figures(client, admin_user):
    ChurnModelRun.objects.create(
        started_at=NOW,
        as_of=NOW,
        horizon_days=180,
        status=RunStatus.TOO_LITTLE_DATA,
        train_size=12,
        train_churned=3,
    )
    client.force_login(admin_user)

    page = client.get(reverse("analytics_churn:model")).content.decode()

    assert 'data-testid="churn-too-little-data"' in page
    assert "12 customers, 3 of whom left" in page
    assert 'data-testid="churn-auc"' not in page
    assert 'data-testid="churn-train"' in page


@pytest.mark.django_db
def test_customer_section_shows_the_risk_reasons_and_the_call_button(client, alice):
    customer = person(alice, name="Risky")
    ChurnScore.objects.create(
        person=customer,
        run=_trained_run(),
        probability=0.81,
        reasons=[{"code": "recency", "days": 210, "gap": 45}],
        scored_at=NOW,
    )
    client.force_login(alice)

    page = client.get(reverse("analytics:person_insights", args=[customer.pk])).content.decode()

    assert 'data-testid="churn-percent">81%' in page
    assert "No order for 210 days, usually orders every 45." in page
    assert reverse("analytics_churn:person_call_task", args=[customer.pk]) in page
    assert reverse("automation:rule_list") not in page  # rules are administrators' work


@pytest.mark.django_db
def test_only_administrators_change_settings_or_train(client, alice, admin_user):
    client.force_login(alice)
    assert client.get(reverse("analytics_churn:settings")).status_code == 403
    assert client.post(reverse("analytics_churn:train")).status_code == 403

    client.force_login(admin_user)
    refused = client.post(reverse("analytics_churn:settings"), {"horizon_days": "5"})
    saved = client.post(
        reverse("analytics_churn:settings"), {"horizon_days": "90", "lost_stage_counts": "1"}
    )

    assert refused.status_code == 200 and "from 30 to 730" in refused.content.decode()
    assert saved.status_code == 302
    assert ChurnSettings.objects.get().horizon_days == 90
    assert client.post(reverse("analytics_churn:train")).status_code == 302
