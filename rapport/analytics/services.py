"""Writes of the analytics app: how a user arranges a dashboard, and each role's default."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import Role, User
from rapport.analytics.dashboards import Dashboard
from rapport.analytics.models import DashboardLayout
from rapport.analytics.selectors.layouts import layout_of
from rapport.core.errors import ValidationFailed

LAYOUT_ACTIONS = ("up", "down", "hide", "show")


@transaction.atomic
def layout_change(*, actor: User, dashboard: Dashboard, widget: str, action: str) -> None:
    """Move a widget up or down among those shown, hide it or show it again, in the actor's own
    arrangement (started from what they see now: their role's default or the dashboard's)."""
    if action not in LAYOUT_ACTIONS or dashboard.widget(widget) is None:
        raise ValidationFailed(
            _("Unknown widget or action."), {"widget": [_("Unknown widget or action.")]}
        )
    arrangement = layout_of(actor, dashboard)
    shown = [w.key for w in arrangement.shown]
    hidden = [w.key for w in arrangement.hidden]
    if action in ("up", "down") and widget in shown:
        index = shown.index(widget)
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(shown):
            shown[index], shown[other] = shown[other], shown[index]
    elif action == "hide" and widget in shown:
        shown.remove(widget)
        hidden.append(widget)
    elif action == "show" and widget in hidden:
        hidden.remove(widget)
        shown.append(widget)
    DashboardLayout.objects.update_or_create(
        user=actor,
        dashboard=dashboard.key,
        defaults={"order": shown + hidden, "hidden": hidden, "role": ""},
    )


@transaction.atomic
def layout_reset(*, actor: User, dashboard: Dashboard) -> None:
    """Forget the actor's own arrangement: they see their role's default again."""
    DashboardLayout.objects.filter(user=actor, dashboard=dashboard.key).delete()


@transaction.atomic
def role_layout_save(
    *, actor: User, role: str, dashboard: Dashboard, order: list[str], hidden: list[str]
) -> DashboardLayout:
    """Set a role's default arrangement of a dashboard (administrators only). Users who have
    arranged the dashboard themselves keep their own."""
    require_settings_manager(actor)
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), {"role": [_("Unknown role.")]})
    keys = {w.key for w in dashboard.widgets}
    if set(order) - keys or set(hidden) - keys:
        raise ValidationFailed(_("Unknown widget."), {"order": [_("Unknown widget.")]})
    if keys <= set(hidden):
        raise ValidationFailed(
            _("Show at least one widget."), {"hidden": [_("Show at least one widget.")]}
        )
    layout, _created = DashboardLayout.objects.update_or_create(
        user=None,
        role=role,
        dashboard=dashboard.key,
        defaults={"order": order, "hidden": hidden},
    )
    return layout
