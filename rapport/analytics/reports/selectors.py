"""Who sees which saved report, and who may change it.

A private report is its owner's; one shared with a team is seen by that team's members; one
shared with a role by everyone with that role; administrators see every report. Seeing a saved
report is seeing its definition only: running it counts what the reader may see
(`engine.report_run` starts from the reader's visibility selectors).
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.analytics.reports.models import ReportSharing, SavedReport
from rapport.core.errors import NotFound


def saved_reports_visible_q(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_administrator:
        return Q()
    visible = Q(owner_id=user.pk) | Q(sharing=ReportSharing.ROLE, role=user.role)
    if user.team_id:
        visible |= Q(sharing=ReportSharing.TEAM, team_id=user.team_id)
    return visible


def saved_reports_visible_to(user: User) -> QuerySet[SavedReport]:
    return (
        SavedReport.objects.filter(saved_reports_visible_q(user))
        .select_related("owner", "team")
        .order_by("name", "id")
    )


def get_saved_report_for_user(user: User, report_id: int) -> SavedReport:
    report = saved_reports_visible_to(user).filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("Report not found."))
    return report


def may_manage_saved_report(user: User, report: SavedReport) -> bool:
    return report.owner_id == user.pk or user.is_administrator


def may_see_saved_report(user: User, report: SavedReport) -> bool:
    return SavedReport.objects.filter(saved_reports_visible_q(user), pk=report.pk).exists()
