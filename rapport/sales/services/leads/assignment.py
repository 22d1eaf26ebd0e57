"""Who works a lead: assignment by the rules or by hand, and the owner's follow-up task.

- automatic assignment takes the first active assignment rule (by position) whose non-empty
  conditions all match, then picks a sales rep or manager of its team by round robin or by
  fewest open leads; without a match, or without anyone in the team, the lead waits unassigned
  in the rule's (or its form's) team queue;
- anyone but an administrator may give a lead only to themselves or a member of their team;
- every lead with an owner has one automatic follow-up task, due RAPPORT_LEAD_FOLLOW_UP_DAYS
  after the first inquiry; a lead waiting in the queue gets it when it is assigned.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.accounts.access import assignable_owners, check_owner_assignable
from rapport.accounts.assignment import least_loaded, next_in_turn, team_members
from rapport.accounts.models import Role, User
from rapport.activities import task_services
from rapport.activities.models import Task, TaskStatus
from rapport.core.errors import PermissionDenied
from rapport.core.records import record_changed
from rapport.sales.models import AssignmentMethod, Lead, LeadAssignmentRule
from rapport.sales.models.leads import LeadEventKind
from rapport.sales.selectors.leads import OPEN_STATUSES, lead_tasks
from rapport.sales.services.leads.common import _event, _require_open

# Who automatic assignment may pick from a team.
SELLER_ROLES = (Role.SALES_REP, Role.SALES_MANAGER)


# --- Follow-up tasks -----------------------------------------------------------------------------


def _follow_up_ensure(lead: Lead) -> Task | None:
    """Give the lead's owner its follow-up task, once per lead, N days after the first inquiry."""
    if lead.owner_id is None or lead_tasks(lead).exists():
        return None
    return lead_follow_up_create(lead, lead.owner)


def lead_follow_up_create(lead: Lead, owner: User) -> Task | None:
    """The follow-up task of a new open lead given to `owner`, due RAPPORT_LEAD_FOLLOW_UP_DAYS
    after it came in (none when that setting is 0). For an import that assigned the lead by
    the rules; `lead_create` and assignment call it through `_follow_up_ensure`."""
    days = settings.RAPPORT_LEAD_FOLLOW_UP_DAYS
    if days <= 0 or lead.status not in OPEN_STATUSES:
        return None
    with translation.override(owner.language):
        title = _("Follow up on lead %(name)s") % {"name": lead.full_name}
    return task_services.task_create_follow_up(
        assignee=owner,
        title=title[:200],
        due_at=lead.created_at + datetime.timedelta(days=days),
        subject=lead,
        subject_label=lead.full_name,
    )


def _follow_up_pass_on(lead: Lead, actor: User | None) -> None:
    """A reassigned lead's open follow-up goes to its new owner, if the actor may hand it over."""
    if actor is None or lead.owner_id is None:
        return
    if not assignable_owners(actor).filter(pk=lead.owner_id).exists():
        return
    tasks = lead_tasks(lead).filter(status=TaskStatus.OPEN).exclude(assignee_id=lead.owner_id)
    for task in tasks:
        task_services.task_update(actor=actor, task=task, data={"assignee_id": lead.owner_id})


# --- Assignment ----------------------------------------------------------------------------------


def _rule_matches(rule: LeadAssignmentRule, lead: Lead) -> bool:
    if rule.region and rule.region.strip().casefold() != lead.region.strip().casefold():
        return False
    if rule.source and rule.source != lead.source:
        return False
    return not (rule.product_id and rule.product_id != lead.product_interest_id)


def _team_sellers(team_id: int) -> list[User]:
    return team_members(team_id, roles=SELLER_ROLES)


def _pick_round_robin(rule: LeadAssignmentRule, sellers: list[User]) -> User:
    return next_in_turn(sellers, rule.last_assigned_id)


def _open_leads_per_seller(sellers: list[User], *, exclude_lead: Lead | None = None) -> dict:
    """Seller id → how many open leads they own."""
    leads = Lead.objects.filter(owner__in=sellers, status__in=OPEN_STATUSES)
    if exclude_lead is not None:
        leads = leads.exclude(pk=exclude_lead.pk)
    return dict(leads.values("owner_id").annotate(n=Count("pk")).values_list("owner_id", "n"))


def _pick_least_loaded(sellers: list[User], *, exclude_lead: Lead) -> User:
    return least_loaded(sellers, _open_leads_per_seller(sellers, exclude_lead=exclude_lead))


def _choose_owner(lead: Lead) -> tuple[LeadAssignmentRule | None, User | None]:
    for rule in LeadAssignmentRule.objects.filter(is_active=True).order_by("position", "pk"):
        if not _rule_matches(rule, lead):
            continue
        # One assignment at a time per rule, so two leads arriving together cannot both read
        # the same "last assigned" (round robin) or the same loads (least loaded).
        rule = LeadAssignmentRule.objects.select_for_update().get(pk=rule.pk)
        sellers = _team_sellers(rule.team_id)
        if not sellers:
            return rule, None
        if rule.method == AssignmentMethod.LEAST_LOADED:
            owner = _pick_least_loaded(sellers, exclude_lead=lead)
        else:
            owner = _pick_round_robin(rule, sellers)
        rule.last_assigned = owner
        rule.save(update_fields=["last_assigned", "updated_at"])
        return rule, owner
    return None, None


class RuleAssigner:
    """Assignment by the rules for many new leads at once (an import), as `_choose_owner` assigns
    one at a time: the active rules, each team's sellers and the open leads of a least-loaded
    rule's sellers are read once; then each lead is matched and given out in memory (round robin
    goes on from one lead to the next, a least-loaded seller's count grows with each lead). Build
    it inside the transaction that writes the leads (it locks the rules), call `choose` per lead,
    then `save` to record each rule's last assignee."""

    def __init__(self):
        self.rules = list(
            LeadAssignmentRule.objects.select_for_update()
            .filter(is_active=True)
            .order_by("position", "pk")
        )
        self.sellers: dict[int, list[User]] = {}
        self.loads: dict[int, dict] = {}
        self.used: dict[int, LeadAssignmentRule] = {}

    def _sellers(self, team_id: int) -> list[User]:
        if team_id not in self.sellers:
            self.sellers[team_id] = _team_sellers(team_id)
        return self.sellers[team_id]

    def choose(self, lead: Lead) -> tuple[LeadAssignmentRule | None, User | None]:
        """The first matching rule and the seller it gives `lead` to (None: nobody in its team,
        the lead waits in the team's queue); (None, None) when no rule matches."""
        for rule in self.rules:
            if not _rule_matches(rule, lead):
                continue
            sellers = self._sellers(rule.team_id)
            if not sellers:
                return rule, None
            if rule.method == AssignmentMethod.LEAST_LOADED:
                if rule.team_id not in self.loads:
                    self.loads[rule.team_id] = _open_leads_per_seller(sellers)
                loads = self.loads[rule.team_id]
                owner = least_loaded(sellers, loads)
                loads[owner.pk] = loads.get(owner.pk, 0) + 1
            else:
                owner = _pick_round_robin(rule, sellers)
            rule.last_assigned = owner
            self.used[rule.pk] = rule
            return rule, owner
        return None, None

    def save(self) -> None:
        for rule in self.used.values():
            rule.save(update_fields=["last_assigned", "updated_at"])


def _set_owner(lead: Lead, owner: User, *, actor: User | None, rule_name: str = "") -> None:
    lead.owner = owner
    lead.team = owner.team or lead.team
    lead.version += 1
    lead.save(update_fields=["owner", "team", "version", "updated_at"])
    _event(
        lead,
        LeadEventKind.ASSIGNED,
        actor=actor,
        data={"owner": str(owner), "owner_id": owner.pk, "rule": rule_name},
    )


def _assign_by_rules(lead: Lead, *, actor: User | None) -> Lead:
    rule, owner = _choose_owner(lead)
    if owner is not None:
        _set_owner(lead, owner, actor=actor, rule_name=rule.name)
        _follow_up_pass_on(lead, actor)
        _follow_up_ensure(lead)
    elif rule is not None and lead.owner_id is None and lead.team_id != rule.team_id:
        # Nobody to give it to: it waits in the rule's team queue.
        lead.team_id = rule.team_id
        lead.version += 1
        lead.save(update_fields=["team", "version", "updated_at"])
    return lead


@transaction.atomic
def lead_assign(*, lead: Lead, actor: User | None = None) -> Lead:
    """Assign `lead` by the assignment rules; without a match it stays in its team's queue.

    Without an actor (web forms, imports) this is automatic. With one, only administrators and
    sales managers may run the rules on a lead (a rep takes a lead with `lead_assign_to`).
    """
    if actor is not None and not (actor.is_administrator or actor.role == Role.SALES_MANAGER):
        raise PermissionDenied(_("Only administrators and sales managers can assign by rules."))
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    _require_open(lead)
    before = (lead.owner_id, lead.team_id)
    lead = _assign_by_rules(lead, actor=actor)
    if (lead.owner_id, lead.team_id) != before:
        record_changed("lead", lead.pk, "updated", changed_fields=["owner", "team"], actor=actor)
    return lead


@transaction.atomic
def lead_assign_to(*, actor: User, lead: Lead, owner: User) -> Lead:
    """Give `lead` to `owner` by hand: a rep takes a lead from the queue, a manager hands out."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    _require_open(lead)
    check_owner_assignable(actor, owner)
    if lead.owner_id == owner.pk:
        return lead
    _set_owner(lead, owner, actor=actor)
    _follow_up_pass_on(lead, actor)
    _follow_up_ensure(lead)
    record_changed("lead", lead.pk, "updated", changed_fields=["owner", "team"], actor=actor)
    return lead
