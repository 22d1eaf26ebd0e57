"""Reads of leads, their history, web forms and the scoring and assignment rules.

`leads_visible_to` is the only place that decides which leads a user may see, with the one
visibility rule of Rapport: administrators all; everyone else the leads they own and their
team's, which includes the team's queue of unassigned leads. A lead with neither owner nor team
(no rule or form placed it) waits for an administrator.
"""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import (
    can_manage_settings,
    visible_records_parts,
    visible_records_q,
)
from rapport.accounts.models import User
from rapport.activities.models import Task
from rapport.core.errors import NotFound, PermissionDenied
from rapport.customers.models import Company, Person, PersonEmail, PersonPhone
from rapport.customers.selectors import companies_visible_to, persons_visible_to
from rapport.sales.models import Lead, LeadAssignmentRule, LeadForm, LeadScoringRule, LeadStatus
from rapport.sales.models.leads import LeadEvent

LEAD_SORTS = ("-score", "score", "-created_at", "created_at", "-updated_at", "updated_at")
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
LEAD_LIST_RELATED = ("owner", "team")


def leads_visible_to(user: User) -> QuerySet[Lead]:
    return Lead.objects.filter(visible_records_q(user))


def get_lead_for_user(user: User, lead_id: int) -> Lead:
    lead = leads_visible_to(user).select_related(*LEAD_LIST_RELATED).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(_("Lead not found."))
    return lead


def lead_detail(user: User, lead_id: int) -> Lead:
    """A lead with what its page and the API detail show, in one query."""
    lead = (
        leads_visible_to(user)
        .select_related(
            "owner",
            "team",
            "product_interest",
            "form",
            "converted_person",
            "converted_company",
            "converted_deal",
        )
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound(_("Lead not found."))
    return lead


@dataclass
class LeadFilters:
    """Filters of the lead list and the API; empty values mean "any"."""

    q: str = ""
    status: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    source: str = ""
    campaign: str = ""
    # The queue: open leads nobody owns yet.
    unassigned: bool = False
    # Created from / until these days (inclusive, in the installation's time zone).
    created_from: datetime.date | None = None
    created_until: datetime.date | None = None


def leads_list(user: User, filters: LeadFilters) -> QuerySet[Lead]:
    """Visible leads matching `filters`, with what a list row shows fetched up front."""
    qs = leads_visible_to(user)
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.campaign:
        qs = qs.filter(campaign=filters.campaign)
    if filters.unassigned:
        qs = qs.filter(owner__isnull=True, status__in=OPEN_STATUSES)
    if filters.created_from and filters.created_from > EARLIEST_DAY:
        qs = qs.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_until and filters.created_until < LATEST_DAY:
        following = filters.created_until + datetime.timedelta(days=1)
        qs = qs.filter(created_at__lt=_day_start(following))
    if filters.q:
        q = filters.q
        qs = qs.filter(
            Q(full_name__icontains=q)
            | Q(company_name__icontains=q)
            | Q(email__istartswith=q.lower())
            | Q(phone__contains=q.replace(" ", ""))
        )
    return qs.select_related(*LEAD_LIST_RELATED)


# Days beyond these bound nothing (and their midnight would not fit a datetime in UTC).
EARLIEST_DAY = datetime.date(1900, 1, 1)
LATEST_DAY = datetime.date(9999, 1, 1)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def lead_list_partitions(user: User, filters: LeadFilters) -> list[Q] | None:
    """The parts of the visibility rule for the lead list to page through: the user's own leads
    and their team's, each read in index order (see `rapport.core.pagination.keyset_page`).

    None when a search or an owner, team or queue filter already narrows the list to one indexed
    condition; reading the parts separately would only add queries.
    """
    if filters.q or filters.owner_id or filters.team_id or filters.unassigned:
        return None
    return visible_records_parts(user)


def lead_matching_person(user: User, lead: Lead) -> Person | None:
    """The person `user` sees with the lead's phone or e-mail (both stored normalised), whom
    converting the lead reuses instead of creating a duplicate."""
    if not (lead.phone or lead.email):
        return None
    q = Q(pk__in=[])
    if lead.phone:
        q |= Q(pk__in=PersonPhone.objects.filter(number=lead.phone).values("person_id"))
    if lead.email:
        q |= Q(pk__in=PersonEmail.objects.filter(email=lead.email).values("person_id"))
    return persons_visible_to(user).filter(q).order_by("pk").first()


def lead_matching_company(user: User, name: str) -> Company | None:
    """The company `user` sees with exactly this name, which conversion reuses."""
    if not name:
        return None
    return companies_visible_to(user).filter(name=name).order_by("pk").first()


def lead_events(lead: Lead) -> QuerySet[LeadEvent]:
    """The lead's history, newest first. The caller has checked that the lead is visible."""
    return lead.events.select_related("actor").order_by("-occurred_at", "-pk")


def lead_tasks(lead: Lead) -> QuerySet[Task]:
    """The tasks about the lead (its automatic follow-up and any others), soonest due first."""
    return (
        Task.objects.filter(
            subject_type=ContentType.objects.get_for_model(Lead), subject_id=lead.pk
        )
        .select_related("assignee")
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


# --- Settings: forms and rules (administrators) ------------------------------------------------


def require_lead_settings_manager(user: User) -> None:
    """Web forms and the scoring and assignment rules are administrators' settings."""
    if not can_manage_settings(user):
        raise PermissionDenied(_("Only administrators can see and change this."))


def lead_forms_all() -> QuerySet[LeadForm]:
    return LeadForm.objects.select_related("team").order_by("name", "pk")


def get_lead_form(form_id: int) -> LeadForm:
    lead_form = LeadForm.objects.select_related("team").filter(pk=form_id).first()
    if lead_form is None:
        raise NotFound(_("Lead form not found."))
    return lead_form


def get_public_lead_form(public_key: str) -> LeadForm:
    """An active form by the key in its embed snippet; anyone on the internet may ask."""
    lead_form = LeadForm.objects.filter(public_key=public_key, is_active=True).first()
    if lead_form is None:
        raise NotFound(_("This form does not exist or is closed."))
    return lead_form


def scoring_rules_all() -> QuerySet[LeadScoringRule]:
    return LeadScoringRule.objects.order_by("position", "pk")


def get_scoring_rule(rule_id: int) -> LeadScoringRule:
    rule = LeadScoringRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Scoring rule not found."))
    return rule


def assignment_rules_all() -> QuerySet[LeadAssignmentRule]:
    return LeadAssignmentRule.objects.select_related("team", "product", "last_assigned").order_by(
        "position", "pk"
    )


def get_assignment_rule(rule_id: int) -> LeadAssignmentRule:
    rule = assignment_rules_all().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Assignment rule not found."))
    return rule
