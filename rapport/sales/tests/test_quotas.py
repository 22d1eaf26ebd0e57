"""Quotas: set (upsert), who may set them, who sees them, the quota page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.core.errors import NotFound, PermissionDenied, ValidationFailed
from rapport.sales.models import Quota
from rapport.sales.selectors.forecast import get_quota_for_user, quotas_visible_to
from rapport.sales.services.quotas import quota_delete, quota_set


def _month(actor, **data):
    return quota_set(
        actor=actor,
        data={"period": "month", "period_start": "2026-05-01", "amount": "50000", **data},
    )


def test_any_day_is_moved_to_the_start_of_its_period(admin_user, alice):
    month = _month(admin_user, user_id=alice.pk, period_start="2026-05-17")
    quarter = quota_set(
        actor=admin_user,
        data={
            "user_id": alice.pk,
            "period": "quarter",
            "period_start": "2026-05-17",
            "amount": "1",
        },
    )

    assert month.period_start == datetime.date(2026, 5, 1)
    assert quarter.period_start == datetime.date(2026, 4, 1)


def test_setting_a_quota_again_replaces_it(admin_user, alice):
    _month(admin_user, user_id=alice.pk)

    quota = _month(admin_user, user_id=alice.pk, amount="60000.50", won_count=8)

    assert Quota.objects.count() == 1
    assert (quota.amount, quota.won_count) == (Decimal("60000.50"), 8)


def test_manager_sets_quotas_for_the_team_and_its_members(diana, alice, east):
    _month(diana, user_id=alice.pk)
    _month(diana, team_id=east.pk)

    assert Quota.objects.count() == 2


def test_manager_cannot_set_another_teams_quota(diana, charlie, west):
    with pytest.raises(PermissionDenied):
        _month(diana, user_id=charlie.pk)
    with pytest.raises(PermissionDenied):
        _month(diana, team_id=west.pk)

    assert not Quota.objects.exists()


def test_rep_cannot_set_quotas(alice):
    with pytest.raises(PermissionDenied):
        _month(alice, user_id=alice.pk)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"won_count": -1}, "won_count"),
        ({"period": "year"}, "period"),
        ({"period_start": "soon"}, "period_start"),
        ({"user_id": None}, "user_id"),
    ],
)
def test_bad_quota_input_names_the_field(admin_user, alice, data, field):
    with pytest.raises(ValidationFailed) as excinfo:
        _month(admin_user, **{"user_id": alice.pk, **data})

    assert field in excinfo.value.details
    assert not Quota.objects.exists()


def test_a_quota_is_for_a_user_or_a_team_not_both(admin_user, alice, east):
    with pytest.raises(ValidationFailed):
        _month(admin_user, user_id=alice.pk, team_id=east.pk)


def test_reps_see_their_teams_quotas_only(admin_user, alice, bob, charlie, east):
    mine = _month(admin_user, user_id=alice.pk)
    colleague = _month(admin_user, user_id=bob.pk)
    team = _month(admin_user, team_id=east.pk)
    other = _month(admin_user, user_id=charlie.pk)

    assert set(quotas_visible_to(alice)) == {mine, colleague, team}
    with pytest.raises(NotFound):
        get_quota_for_user(alice, other.pk)


def test_manager_deletes_a_team_quota(diana, alice):
    quota = _month(diana, user_id=alice.pk)

    quota_delete(actor=diana, quota=quota)

    assert not Quota.objects.exists()


def test_quota_page_sets_a_quota(client, diana, alice):
    client.force_login(diana)

    response = client.post(
        reverse("sales:quota_list"),
        {
            "user_id": alice.pk,
            "period": "month",
            "period_start": "2026-06-09",
            "amount": "30000",
            "won_count": "3",
        },
    )

    assert response.status_code == 302
    quota = Quota.objects.get()
    assert (quota.user, quota.period_start, quota.amount) == (
        alice,
        datetime.date(2026, 6, 1),
        Decimal("30000.00"),
    )


def test_quota_page_shows_errors_on_the_fields(client, diana, alice):
    client.force_login(diana)

    response = client.post(
        reverse("sales:quota_list"),
        {"user_id": alice.pk, "period": "month", "period_start": "2026-06-09", "amount": "-3"},
    )

    assert response.status_code == 200
    assert 'data-testid="error-amount"' in response.content.decode()


def test_reps_get_no_quota_form(client, alice):
    client.force_login(alice)

    response = client.get(reverse("sales:quota_list"))

    assert 'data-testid="quota-form"' not in response.content.decode()
    assert client.post(reverse("sales:quota_list"), {}).status_code == 403


def test_other_teams_quota_cannot_be_deleted_from_the_page(client, charlie, admin_user, alice):
    quota = _month(admin_user, user_id=alice.pk)
    client.force_login(charlie)

    response = client.post(reverse("sales:quota_delete", args=[quota.pk]))

    assert response.status_code == 404
    assert Quota.objects.filter(pk=quota.pk).exists()


def test_home_loads_the_quota_attainment_widget(client, alice, admin_user):
    _month(admin_user, user_id=alice.pk, period_start=timezone.localdate().isoformat())
    client.force_login(alice)

    home = client.get(reverse("web:home")).content.decode()
    widget = client.get(reverse("sales:attainment_widget")).content.decode()

    assert reverse("sales:attainment_widget") in home
    assert 'data-testid="quota-attainment"' in widget
    assert "50,000.00" in widget
