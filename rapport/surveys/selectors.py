"""Reads of the surveys app: invitations from their signed link (public), the results of a
ticket, the responses a user may see, and the reports.

Who sees a response follows the record it rates: a CSAT answer whoever sees its ticket
(`rapport.service.access`), an NPS answer whoever sees its person
(`rapport.accounts.access`). Every list, report and endpoint goes through
`responses_visible_to` / `invitations_visible_to`.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager, visible_records_q
from rapport.accounts.models import Team, User
from rapport.core.errors import NotFound
from rapport.service.access import ticket_visible_q
from rapport.service.models import Ticket, TicketCategory
from rapport.surveys import links
from rapport.surveys.models import Invitation, Response, Survey, SurveyKind


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a public link names; None for a forged, altered or stale link."""
    pk = links.read_token(token)
    if pk is None:
        return None
    return Invitation.objects.select_related("survey", "ticket", "person").filter(pk=pk).first()


def invitation_response(invitation: Invitation) -> Response | None:
    return Response.objects.filter(invitation=invitation).first()


def _visible_q(user: User, *, prefix: str = "") -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_administrator:
        return Q()
    tickets = Ticket.objects.filter(ticket_visible_q(user)).values("pk")
    persons = visible_records_q(
        user, owner_field=f"{prefix}person__owner", team_field=f"{prefix}person__team"
    )
    return Q(**{f"{prefix}ticket__in": tickets}) | (
        Q(**{f"{prefix}ticket__isnull": True}) & persons
    )


def responses_visible_to(user: User) -> QuerySet[Response]:
    return Response.objects.filter(_visible_q(user))


def invitations_visible_to(user: User) -> QuerySet[Invitation]:
    return Invitation.objects.filter(_visible_q(user))


def survey_results_for_ticket(ticket: Ticket) -> list[Response]:
    """The answers about one ticket (its CSAT and, for a closed complaint, its confirmation),
    for the ticket page, which has already checked that its reader sees the ticket."""
    return list(
        Response.objects.filter(ticket=ticket).select_related("survey").order_by("answered_at")
    )


def surveys_for_admin(user: User) -> QuerySet[Survey]:
    require_settings_manager(user)
    return Survey.objects.select_related("audience_tag", "audience_view").annotate(
        invitation_count=Count("invitations", distinct=True),
        response_count=Count("responses", distinct=True),
    )


def get_survey_for_admin(user: User, survey_id: int) -> Survey:
    require_settings_manager(user)
    survey = (
        Survey.objects.select_related("audience_tag", "audience_view").filter(pk=survey_id).first()
    )
    if survey is None:
        raise NotFound(_("Survey not found."))
    return survey


def survey_invitations(user: User, survey: Survey) -> QuerySet[Invitation]:
    require_settings_manager(user)
    return (
        Invitation.objects.filter(survey=survey)
        .select_related("person", "ticket", "message", "response")
        .order_by("-created_at", "-id")
    )


@dataclass
class ReportFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""


def _dated(queryset: QuerySet, filters: ReportFilters, field_name: str) -> QuerySet:
    if filters.date_from:
        queryset = queryset.filter(**{f"{field_name}__date__gte": filters.date_from})
    if filters.date_to:
        queryset = queryset.filter(**{f"{field_name}__date__lte": filters.date_to})
    return queryset


def _csat_rows(responses: QuerySet, group: str) -> list[dict]:
    rows = (
        responses.values(group)
        .annotate(
            count=Count("pk"),
            average=Avg("score"),
            satisfied=Count("pk", filter=Q(score__gte=4)),
        )
        .order_by(group)
    )
    return [
        {
            "key": row[group],
            "count": row["count"],
            "average": round(float(row["average"] or 0), 2),
            "satisfied_share": round(100 * row["satisfied"] / row["count"], 1),
        }
        for row in rows
    ]


def _named(rows: list[dict], names: dict, missing: str) -> list[dict]:
    for row in rows:
        row["name"] = names.get(row["key"], missing) if row["key"] is not None else missing
    return sorted(rows, key=lambda row: (-row["count"], row["name"]))


@dataclass
class SurveyReport:
    csat_total: dict
    csat_by_month: list[dict]
    csat_by_agent: list[dict]
    csat_by_team: list[dict]
    csat_by_category: list[dict]
    nps_total: dict
    nps_by_month: list[dict]
    response_rate: dict
    comments: list[Response] = field(default_factory=list)


def _nps_row(promoters: int, passives: int, detractors: int) -> dict:
    total = promoters + passives + detractors
    return {
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "count": total,
        "score": round(100 * (promoters - detractors) / total) if total else None,
    }


def survey_report(user: User, filters: ReportFilters, *, comment_limit: int = 50) -> SurveyReport:
    """Everything the reports page shows, in a fixed number of queries whatever the data."""
    responses = _dated(responses_visible_to(user), filters, "answered_at")
    csat = responses.filter(kind=SurveyKind.CSAT)
    nps = responses.filter(kind=SurveyKind.NPS)

    total = csat.aggregate(
        count=Count("pk"), average=Avg("score"), satisfied=Count("pk", filter=Q(score__gte=4))
    )
    csat_total = {
        "count": total["count"],
        "average": round(float(total["average"]), 2) if total["average"] is not None else None,
        "satisfied_share": (
            round(100 * total["satisfied"] / total["count"], 1) if total["count"] else None
        ),
    }
    by_month = _csat_rows(csat.annotate(month=TruncMonth("answered_at")), "month")
    for row in by_month:
        row["name"] = row["key"].strftime("%Y-%m")
    by_agent = _csat_rows(csat, "agent")
    by_team = _csat_rows(csat, "team")
    by_category = _csat_rows(csat, "category")
    users = {
        u.pk: (u.get_full_name() or u.username)
        for u in User.objects.filter(pk__in=[r["key"] for r in by_agent if r["key"]])
    }
    teams = dict(
        Team.objects.filter(pk__in=[r["key"] for r in by_team if r["key"]]).values_list(
            "pk", "name"
        )
    )
    categories = dict(
        TicketCategory.objects.filter(
            pk__in=[r["key"] for r in by_category if r["key"]]
        ).values_list("pk", "name")
    )

    nps_counts = {
        "promoters": Count("pk", filter=Q(score__gte=9)),
        "passives": Count("pk", filter=Q(score__gte=7, score__lte=8)),
        "detractors": Count("pk", filter=Q(score__lte=6)),
    }
    nps_total = _nps_row(**nps.aggregate(**nps_counts))
    nps_by_month = []
    for row in (
        nps.annotate(month=TruncMonth("answered_at"))
        .values("month")
        .annotate(**nps_counts)
        .order_by("month")
    ):
        month = row.pop("month")
        nps_by_month.append({"name": month.strftime("%Y-%m"), **_nps_row(**row)})

    invitations = _dated(invitations_visible_to(user), filters, "created_at")
    rate = invitations.aggregate(
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        answered=Count("pk", filter=Q(sent_at__isnull=False, answered_at__isnull=False)),
        csat_sent=Count("pk", filter=Q(sent_at__isnull=False, survey__kind=SurveyKind.CSAT)),
        csat_answered=Count(
            "pk",
            filter=Q(
                sent_at__isnull=False, answered_at__isnull=False, survey__kind=SurveyKind.CSAT
            ),
        ),
        confirm_sent=Count("pk", filter=Q(sent_at__isnull=False, survey__kind=SurveyKind.CONFIRM)),
        confirm_answered=Count(
            "pk",
            filter=Q(
                sent_at__isnull=False, answered_at__isnull=False, survey__kind=SurveyKind.CONFIRM
            ),
        ),
        nps_sent=Count("pk", filter=Q(sent_at__isnull=False, survey__kind=SurveyKind.NPS)),
        nps_answered=Count(
            "pk",
            filter=Q(sent_at__isnull=False, answered_at__isnull=False, survey__kind=SurveyKind.NPS),
        ),
    )
    rate["share"] = round(100 * rate["answered"] / rate["sent"], 1) if rate["sent"] else None
    rate["csat_share"] = (
        round(100 * rate["csat_answered"] / rate["csat_sent"], 1) if rate["csat_sent"] else None
    )
    rate["confirm_share"] = (
        round(100 * rate["confirm_answered"] / rate["confirm_sent"], 1)
        if rate["confirm_sent"]
        else None
    )
    rate["nps_share"] = (
        round(100 * rate["nps_answered"] / rate["nps_sent"], 1) if rate["nps_sent"] else None
    )

    return SurveyReport(
        csat_total=csat_total,
        csat_by_month=by_month,
        csat_by_agent=_named(by_agent, users, "—"),
        csat_by_team=_named(by_team, teams, "—"),
        csat_by_category=_named(by_category, categories, "—"),
        nps_total=nps_total,
        nps_by_month=nps_by_month,
        response_rate=rate,
        comments=list(comments_search(user, filters)[:comment_limit]),
    )


def comments_search(user: User, filters: ReportFilters) -> QuerySet[Response]:
    """Answers with a comment, newest first; `filters.q` matches words in the comment."""
    responses = _dated(responses_visible_to(user), filters, "answered_at").exclude(comment="")
    if filters.q:
        responses = responses.filter(comment__icontains=filters.q)
    return responses.select_related("survey", "ticket", "person", "agent").order_by(
        "-answered_at", "-id"
    )


@dataclass
class ResponseFilters:
    kind: str = ""
    survey_id: int | None = None
    ticket_id: int | None = None
    person_id: int | None = None
    score_min: int | None = None
    score_max: int | None = None
    q: str = ""
    answered_from: datetime.date | None = None
    answered_to: datetime.date | None = None


def responses_list(user: User, filters: ResponseFilters) -> QuerySet[Response]:
    responses = responses_visible_to(user)
    if filters.kind:
        responses = responses.filter(kind=filters.kind)
    for name in ("survey_id", "ticket_id", "person_id"):
        value = getattr(filters, name)
        if value is not None:
            responses = responses.filter(**{name: value})
    if filters.score_min is not None:
        responses = responses.filter(score__gte=filters.score_min)
    if filters.score_max is not None:
        responses = responses.filter(score__lte=filters.score_max)
    if filters.q:
        responses = responses.filter(comment__icontains=filters.q)
    if filters.answered_from:
        responses = responses.filter(answered_at__date__gte=filters.answered_from)
    if filters.answered_to:
        responses = responses.filter(answered_at__date__lte=filters.answered_to)
    return responses
