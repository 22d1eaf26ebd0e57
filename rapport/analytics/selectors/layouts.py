"""Which widgets a user sees on a dashboard, in which order: their own arrangement, else their
role's default (set by an administrator), else the dashboard's own order."""

from dataclasses import dataclass

from rapport.accounts.models import Role, User
from rapport.analytics.dashboards import Dashboard, Widget
from rapport.analytics.models import DashboardLayout


@dataclass
class Arrangement:
    shown: list[Widget]
    hidden: list[Widget]
    own: bool  # the user's own arrangement (else the role's default or the dashboard's order)


def user_role(user: User) -> str:
    return Role.ADMINISTRATOR if user.is_administrator else user.role


def arrange(dashboard: Dashboard, order: list[str], hidden: list[str]) -> tuple[list, list]:
    """The dashboard's widgets in `order` (unnamed ones after, in the dashboard's order), split
    into those shown and those in `hidden`; unknown keys are ignored."""
    position = {key: index for index, key in enumerate(order)}
    widgets = sorted(
        dashboard.widgets,
        key=lambda w: (position.get(w.key, len(position)), dashboard.widgets.index(w)),
    )
    return (
        [w for w in widgets if w.key not in hidden],
        [w for w in widgets if w.key in hidden],
    )


def layout_of(user: User, dashboard: Dashboard) -> Arrangement:
    """The user's arrangement of `dashboard` (one query)."""
    layouts = {
        (layout.user_id is not None): layout
        for layout in DashboardLayout.objects.filter(dashboard=dashboard.key).filter(user=user)
        | DashboardLayout.objects.filter(
            dashboard=dashboard.key, user__isnull=True, role=user_role(user)
        )
    }
    layout = layouts.get(True) or layouts.get(False)
    if layout is None:
        return Arrangement(shown=list(dashboard.widgets), hidden=[], own=False)
    shown, hidden = arrange(dashboard, layout.order, layout.hidden)
    return Arrangement(shown=shown, hidden=hidden, own=layout.user_id is not None)


def role_layout(role: str, dashboard: Dashboard) -> Arrangement:
    layout = DashboardLayout.objects.filter(
        dashboard=dashboard.key, user__isnull=True, role=role
    ).first()
    if layout is None:
        return Arrangement(shown=list(dashboard.widgets), hidden=[], own=False)
    shown, hidden = arrange(dashboard, layout.order, layout.hidden)
    return Arrangement(shown=shown, hidden=hidden, own=False)
