"""The data-health page: current figures, the daily trend (ECharts) and the fix list."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rapport.accounts.selectors import teams_for_filters
from rapport.core.formats import format_date
from rapport.core.htmx import int_or_none
from rapport.dataio.selectors import health as selectors


def _pct_text(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f}"


def _trend_chart(history: list[selectors.HistoryPoint]) -> dict:
    # Percentages as text for ECharts to parse; an empty scope's days have no value (null).
    def series(pick) -> list[str | None]:
        return [_pct_text(pick(point.persons)) for point in history]

    def filled(key):
        return lambda p: next((f.pct for f in p.completeness if f.key == key), None)

    return {
        "dates": [format_date(point.date) for point in history],
        "series": [
            {"name": _("Phone"), "data": series(filled("phone"))},
            {"name": _("Email"), "data": series(filled("email"))},
            {"name": _("Address (city)"), "data": series(filled("address"))},
            {"name": _("Duplicate rate"), "data": series(lambda p: p.duplicate_rate)},
            {"name": _("Not updated in 12 months"), "data": series(lambda p: p.stale_pct)},
        ],
    }


@login_required
@require_GET
def health_page(request):
    user = request.user
    team_id = int_or_none(request.GET.get("team_id")) if user.is_administrator else None
    owner_id = int_or_none(request.GET.get("owner_id"))
    report = selectors.health_report(user, team_id=team_id)
    history = selectors.health_history(user, team_id=team_id)
    return render(
        request,
        "dataio/health/page.html",
        {
            "report": report,
            "chart": _trend_chart(history),
            "has_history": bool(history),
            "fix_rows": selectors.fix_list(user, team_id=team_id, owner_id=owner_id),
            "teams": teams_for_filters(user),
            "team_id": team_id,
            "owner_id": owner_id,
            "stale_days": selectors.STALE_DAYS,
            "per_owner": selectors.FIX_LIST_PER_OWNER,
        },
    )
