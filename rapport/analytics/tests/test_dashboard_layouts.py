"""Which dashboards a user lands on and may open, how they move and hide widgets, and the
defaults an administrator sets for each role."""

import pytest
from django.urls import reverse

from rapport.analytics.catalogue import MANAGER, REP
from rapport.analytics.models import DashboardLayout
from rapport.analytics.selectors.layouts import layout_of
from rapport.analytics.services import role_layout_save
from rapport.core.errors import PermissionDenied, ValidationFailed


def _keys(widgets) -> list[str]:
    return [widget.key for widget in widgets]


def test_each_role_lands_on_its_own_dashboard(client, alice, diana, admin_user):
    for user, landing in (
        (alice, "/analytics/dashboards/rep/"),
        (diana, "/analytics/dashboards/manager/"),
        (admin_user, "/analytics/dashboards/executive/"),
    ):
        client.force_login(user)
        response = client.get(reverse("analytics:dashboards"))
        assert response.status_code == 302
        assert response["Location"] == landing


def test_a_rep_may_not_open_the_managers_dashboard(client, alice):
    client.force_login(alice)

    assert client.get(reverse("analytics:dashboard", args=["manager"])).status_code == 404
    assert client.get(reverse("analytics:dashboard", args=["nothing"])).status_code == 404
    html = client.get(reverse("analytics:dashboard", args=["rep"])).content.decode()
    assert 'data-testid="dashboard-rep"' in html
    assert "<script>" not in html  # no inline script under the CSP


def test_moving_and_hiding_widgets_is_kept_per_user(client, alice, bob):
    client.force_login(alice)
    url = reverse("analytics:layout_change", args=["rep"])

    client.post(url, {"widget": "my_week", "action": "up"})
    client.post(url, {"widget": "my_tasks", "action": "hide"})

    mine = layout_of(alice, REP)
    assert _keys(mine.shown) == ["my_pipeline", "my_week", "my_quota"]
    assert _keys(mine.hidden) == ["my_tasks"]
    assert _keys(layout_of(bob, REP).shown) == _keys(REP.widgets)
    html = client.get(reverse("analytics:dashboard", args=["rep"])).content.decode()
    assert 'data-testid="widget-my_tasks"' not in html
    assert 'data-testid="show-my_tasks"' in html

    client.post(url, {"widget": "my_tasks", "action": "show"})
    assert _keys(layout_of(alice, REP).hidden) == []
    client.post(url, {"action": "reset"})
    assert not DashboardLayout.objects.filter(user=alice).exists()


def test_htmx_has_the_dashboard_load_again_and_a_form_keeps_its_filters(client, alice):
    client.force_login(alice)
    url = reverse("analytics:layout_change", args=["rep"])

    response = client.post(url, {"widget": "my_quota", "action": "down"}, HTTP_HX_REQUEST="true")
    plain = client.post(
        url, {"widget": "my_quota", "action": "up", "start": "2026-01-01", "end": "2026-03-31"}
    )

    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    assert plain["Location"] == "/analytics/dashboards/rep/?start=2026-01-01&end=2026-03-31&by=week"
    assert _keys(layout_of(alice, REP).shown) == _keys(REP.widgets)


def test_a_forged_widget_or_action_changes_nothing(client, alice):
    client.force_login(alice)
    url = reverse("analytics:layout_change", args=["rep"])

    assert client.post(url, {"widget": "<script>", "action": "up"}).status_code == 302
    assert client.post(url, {"widget": "my_week", "action": "drop"}).status_code == 302
    assert client.post(reverse("analytics:layout_change", args=["manager"]), {}).status_code == 404
    assert not DashboardLayout.objects.exists()


def test_an_administrator_sets_a_roles_default_which_own_layouts_override(
    client, admin_user, diana, alice
):
    client.force_login(admin_user)
    settings_url = reverse("analytics:layout_settings")
    order = ["win_rate", "deals_at_risk", "team_pipeline", "forecast", "leaderboard"]
    data = {f"position-{key}": str(i) for i, key in enumerate(order, start=1)}
    data["position-activity_by_rep"] = "9"
    data.update({f"shown-{key}": "1" for key in order})

    response = client.post(f"{settings_url}?role=sales_manager&dashboard=manager", data)

    assert response.status_code == 302
    seen = layout_of(diana, MANAGER)
    assert _keys(seen.shown) == order
    assert _keys(seen.hidden) == ["activity_by_rep"]
    assert client.get(f"{settings_url}?role=sales_manager&dashboard=manager").status_code == 200
    client.force_login(diana)
    client.post(
        reverse("analytics:layout_change", args=["manager"]),
        {"widget": "activity_by_rep", "action": "show"},
    )
    assert _keys(layout_of(diana, MANAGER).shown)[-1] == "activity_by_rep"


def test_only_administrators_set_defaults_and_never_every_widget_hidden(client, alice, admin_user):
    client.force_login(alice)
    assert client.get(reverse("analytics:layout_settings")).status_code == 403
    with pytest.raises(PermissionDenied):
        role_layout_save(actor=alice, role="sales_rep", dashboard=REP, order=[], hidden=[])
    with pytest.raises(ValidationFailed):
        role_layout_save(
            actor=admin_user, role="sales_rep", dashboard=REP, order=[], hidden=_keys(REP.widgets)
        )
    client.force_login(admin_user)
    response = client.post(
        f"{reverse('analytics:layout_settings')}?role=sales_rep&dashboard=rep",
        {"position-my_pipeline": "x"},
    )
    assert response.status_code == 422
