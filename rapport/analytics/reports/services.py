"""Saving, changing and deleting reports; the definition is checked on every save."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, Team, User
from rapport.analytics.reports.engine import parse_definition
from rapport.analytics.reports.models import ReportSchedule, ReportSharing, SavedReport
from rapport.analytics.reports.selectors import may_manage_saved_report, report_readers_q
from rapport.core.cleaning import FieldErrors, clean_choice, clean_text, parse_id, reject_unknown
from rapport.core.errors import PermissionDenied, ValidationFailed

FIELDS = ("name", "definition", "sharing", "team_id", "role", "schedule", "recipient_ids")
MAX_RECIPIENTS = 50


def _clean(actor: User, data: dict, errors: FieldErrors) -> dict:
    reject_unknown(data, FIELDS, errors)
    cleaned = {
        "name": clean_text(data.get("name"), "name", errors, limit=120, required=True),
    }
    try:
        cleaned["definition"] = parse_definition(data.get("definition")).as_json()
    except ValidationFailed as refused:
        for field, messages in refused.details.items():
            for message in messages:
                errors.add(f"definition.{field}", message)
    sharing = clean_choice(
        data.get("sharing"),
        "sharing",
        errors,
        choices=ReportSharing.values,
        default=ReportSharing.PRIVATE,
    )
    cleaned.update(sharing=sharing, team=None, role="")
    if sharing == ReportSharing.TEAM:
        team_id = parse_id(data.get("team_id")) or (
            None if actor.is_administrator else actor.team_id
        )
        team = Team.objects.filter(pk=team_id).first() if team_id else None
        if team is None:
            errors.add("team_id", _("Choose a team."))
        elif not actor.is_administrator and team.pk != actor.team_id:
            errors.add("team_id", _("You can share a report with your own team only."))
        cleaned["team"] = team
    elif sharing == ReportSharing.ROLE:
        role = clean_choice(data.get("role"), "role", errors, choices=Role.values)
        if role and not actor.is_administrator:
            errors.add("role", _("Only administrators share reports with a role."))
        cleaned["role"] = role or ""
    cleaned["schedule"] = (
        clean_choice(data.get("schedule") or "", "schedule", errors, choices=ReportSchedule.values)
        or ""
    )
    ids = data.get("recipient_ids") or []
    if not isinstance(ids, list | tuple) or len(ids) > MAX_RECIPIENTS:
        errors.add(
            "recipient_ids", _("Choose at most %(count)d recipients.") % {"count": MAX_RECIPIENTS}
        )
        ids = []
    parsed = [parse_id(i) for i in ids]
    if any(i is None for i in parsed):
        errors.add("recipient_ids", _("Recipients are user numbers."))
        parsed = []
    recipients = list(User.objects.filter(pk__in=parsed, is_active=True))
    if len(recipients) != len(set(parsed)):
        errors.add("recipient_ids", _("A recipient is not an active user."))
    cleaned["recipients"] = recipients
    return cleaned


def _check_recipients(cleaned: dict, owner: User, errors: FieldErrors) -> None:
    """Every recipient must see the report as it will be shared."""
    if not cleaned["recipients"]:
        return
    readers = set(
        User.objects.filter(
            report_readers_q(
                owner_id=owner.pk,
                sharing=cleaned["sharing"],
                team_id=cleaned["team"].pk if cleaned["team"] else None,
                role=cleaned["role"],
            ),
            pk__in=[user.pk for user in cleaned["recipients"]],
        ).values_list("pk", flat=True)
    )
    for user in cleaned["recipients"]:
        if user.pk not in readers:
            errors.add(
                "recipient_ids",
                _("%(user)s cannot see this report: share it with them first.") % {"user": user},
            )


def _write(report: SavedReport, cleaned: dict) -> SavedReport:
    for name in ("name", "definition", "sharing", "team", "role", "schedule"):
        setattr(report, name, cleaned[name])
    report.save()
    report.recipients.set(cleaned["recipients"])
    return report


@transaction.atomic
def saved_report_create(*, actor: User, data: dict) -> SavedReport:
    """Save a report for `actor`: `data` has name, definition (see `engine`), sharing
    (private, team with team_id, role with role), schedule and recipient_ids."""
    errors = FieldErrors()
    cleaned = _clean(actor, data, errors)
    errors.raise_if_any()
    _check_recipients(cleaned, actor, errors)
    errors.raise_if_any()
    return _write(SavedReport(owner=actor), cleaned)


@transaction.atomic
def saved_report_update(*, actor: User, report: SavedReport, data: dict) -> SavedReport:
    if not may_manage_saved_report(actor, report):
        raise PermissionDenied(_("Only the report's owner or an administrator can change it."))
    errors = FieldErrors()
    cleaned = _clean(actor, data, errors)
    errors.raise_if_any()
    _check_recipients(cleaned, report.owner, errors)
    errors.raise_if_any()
    return _write(report, cleaned)


@transaction.atomic
def saved_report_delete(*, actor: User, report: SavedReport) -> None:
    if not may_manage_saved_report(actor, report):
        raise PermissionDenied(_("Only the report's owner or an administrator can delete it."))
    report.delete()
