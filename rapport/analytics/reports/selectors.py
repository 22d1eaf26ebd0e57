"""Who sees which saved report, and who may change it.

A private report is its owner's; one shared with a team is seen by that team's members; one
shared with a role by everyone with that role; administrators see every report. Seeing a saved
report is seeing its definition only: running it counts what the reader may see
(`engine.report_run` starts from the reader's visibility selectors).
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, Team, User
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


def report_readers_q(*, owner_id: int, sharing: str, team_id: int | None, role: str) -> Q:
    """The active users who see a report of `owner_id` shared this way: the mirror, over users,
    of `saved_reports_visible_q`. Who may receive a report by e-mail is exactly this."""
    readers = Q(pk=owner_id) | Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True)
    if sharing == ReportSharing.TEAM and team_id:
        readers |= Q(team_id=team_id)
    elif sharing == ReportSharing.ROLE and role:
        readers |= Q(role=role)
    return readers & Q(is_active=True)


def sharing_options(actor: User) -> list[dict]:
    """Each way `actor` may share a report they save (the services refuse any other): as
    keyword arguments of `report_readers_q` without the owner."""
    options = [{"sharing": ReportSharing.PRIVATE, "team_id": None, "role": ""}]
    if actor.is_administrator:
        teams = Team.objects.values_list("pk", flat=True)
        options += [{"sharing": ReportSharing.TEAM, "team_id": pk, "role": ""} for pk in teams]
        options += [{"sharing": ReportSharing.ROLE, "team_id": None, "role": r} for r in Role]
    elif actor.team_id:
        options.append({"sharing": ReportSharing.TEAM, "team_id": actor.team_id, "role": ""})
    return options


def recipient_choices(actor: User) -> QuerySet[User]:
    """The users a report `actor` saves could be e-mailed to, under some sharing `actor` may
    choose; which of them it may go to once saved is `report_readers_q` of its sharing."""
    readers = Q(pk__in=[])
    for option in sharing_options(actor):
        readers |= report_readers_q(owner_id=actor.pk, **option)
    return User.objects.filter(readers).order_by("username")
