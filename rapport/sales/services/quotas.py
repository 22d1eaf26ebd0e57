"""Writes to quotas: targets of won amount and won deals per user or team, month or quarter.

- `quota_set` is an upsert: one quota per (user or team, period, period start); setting it
  again replaces the targets. Any day of the period may be given as its start: it is moved to
  the first day of the month or quarter;
- administrators set anyone's quotas; a sales manager those of their own team and its members;
  nobody else sets quotas (`PermissionDenied`);
- targets are a non-negative amount (in the base currency, see `selectors.forecast`) and a
  non-negative whole number of won deals.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, Team, User
from rapport.core.cleaning import (
    FieldError,
    FieldErrors,
    clean_int,
    clean_money,
    parse_date,
    parse_int,
    reject_unknown,
)
from rapport.core.errors import PermissionDenied
from rapport.sales.models import Quota, QuotaPeriod
from rapport.sales.selectors.forecast import period_start
from rapport.sales.services.deals import DEAL_MONEY

QUOTA_FIELDS = ("user_id", "team_id", "period", "period_start", "amount", "won_count")


def can_set_quota(actor: User, *, user: User | None = None, team: Team | None = None) -> bool:
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_administrator:
        return True
    if actor.role != Role.SALES_MANAGER or actor.team_id is None:
        return False
    if team is not None:
        return team.pk == actor.team_id
    return user is not None and user.team_id == actor.team_id


def _clean_quota(data: dict) -> dict:
    errors = FieldErrors()
    reject_unknown(data, QUOTA_FIELDS, errors)
    user = team = None
    has_user = data.get("user_id") not in (None, "")
    has_team = data.get("team_id") not in (None, "")
    if has_user == has_team:
        errors.add("user_id", _("Choose a user or a team (one of them)."))
    elif has_user:
        user = User.objects.filter(pk=parse_int(data["user_id"]), is_active=True).first()
        if user is None:
            errors.add("user_id", _("There is no such active user."))
    else:
        team = Team.objects.filter(pk=parse_int(data["team_id"])).first()
        if team is None:
            errors.add("team_id", _("There is no such team."))
    period = data.get("period")
    if period not in QuotaPeriod.values:
        errors.add("period", _("Choose month or quarter."))
    start = None
    try:
        day = parse_date(data.get("period_start"))
        start = period_start(period, day) if period in QuotaPeriod.values else day
    except FieldError as exc:
        errors.add("period_start", str(exc))
    amount = clean_money(data.get("amount", "0"), "amount", errors, rules=DEAL_MONEY)
    won_count = clean_int(
        data.get("won_count", 0) if data.get("won_count") != "" else 0,
        "won_count",
        errors,
        min_value=0,
        max_value=1_000_000,
        message=_("Enter a whole number of at least 0."),
    )
    errors.raise_if_any()
    return {
        "user": user,
        "team": team,
        "period": period,
        "period_start": start,
        "amount": amount,
        "won_count": won_count,
    }


@transaction.atomic
def quota_set(*, actor: User, data: dict) -> Quota:
    """Create or replace the quota of a user or team for one month or quarter."""
    cleaned = _clean_quota(data)
    if not can_set_quota(actor, user=cleaned["user"], team=cleaned["team"]):
        raise PermissionDenied(_("You cannot set this quota."))
    quota, _created = Quota.objects.select_for_update().update_or_create(
        user=cleaned["user"],
        team=cleaned["team"],
        period=cleaned["period"],
        period_start=cleaned["period_start"],
        defaults={"amount": cleaned["amount"], "won_count": cleaned["won_count"]},
    )
    return quota


@transaction.atomic
def quota_delete(*, actor: User, quota: Quota) -> None:
    if not can_set_quota(actor, user=quota.user, team=quota.team):
        raise PermissionDenied(_("You cannot delete this quota."))
    quota.delete()
