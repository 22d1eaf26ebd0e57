"""Lead scores: how warm a lead is, from the administrators' scoring rules.

- the score is the sum of the active scoring rules that hold, clamped to 0–100, with one reason
  per rule ("+20 budget confirmed"); it is recomputed on every change of the lead and of its
  history, and by a periodic job for rules that depend on time.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from rapport.core.cleaning import parse_int
from rapport.core.events import publish
from rapport.sales.events import LeadScoringRulesChanged
from rapport.sales.models import Lead, LeadScoringRule, ScoringRuleKind
from rapport.sales.models.leads import LeadEvent, LeadEventKind
from rapport.sales.selectors.leads import OPEN_STATUSES

# Lead-history kinds that count as an interaction for scoring: touches between lead and us.
INTERACTION_KINDS = (LeadEventKind.INQUIRY, LeadEventKind.CONTACT)
# Lead columns a scoring rule may look at; any other field name is a key of `Lead.data` (a web
# form's own question, e.g. "budget_confirmed").
SCORING_COLUMNS = (
    "full_name",
    "company_name",
    "job_title",
    "phone",
    "email",
    "region",
    "city",
    "source",
    "campaign",
    "budget",
    "message",
    "status",
    "product_interest_id",
)
_YES = {"true", "yes", "1", "on", "是"}
_NO = {"false", "no", "0", "off", "否"}


def _comparable(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip().casefold()
    if text in _YES:
        return "true"
    if text in _NO:
        return "false"
    return text


def _lead_value(lead: Lead, field: str) -> Any:
    if field in SCORING_COLUMNS:
        return getattr(lead, field)
    return (lead.data or {}).get(field)


def _days_since(moment: datetime.datetime, now: datetime.datetime) -> float:
    return (now - moment).total_seconds() / 86400


def _rule_holds(
    rule: LeadScoringRule, lead: Lead, *, interactions: int, now: datetime.datetime
) -> bool:
    kind = rule.kind
    if kind == ScoringRuleKind.FIELD_EQUALS:
        value = _lead_value(lead, rule.field)
        return value not in (None, "") and _comparable(value) == _comparable(rule.value)
    if kind == ScoringRuleKind.FIELD_FILLED:
        value = _lead_value(lead, rule.field)
        return value not in (None, "", [], {}) and value is not False
    if kind == ScoringRuleKind.SOURCE_IS:
        return lead.source == rule.value
    if kind == ScoringRuleKind.BUDGET_AT_LEAST:
        try:
            return lead.budget is not None and lead.budget >= Decimal(rule.value)
        except InvalidOperation:
            return False
    threshold = parse_int(rule.value)
    if threshold is None:
        return False
    if kind == ScoringRuleKind.INTERACTIONS_AT_LEAST:
        return interactions >= threshold
    created = lead.created_at or now
    if kind == ScoringRuleKind.NO_REPLY_DAYS:
        return _days_since(lead.last_contacted_at or created, now) >= threshold
    if kind == ScoringRuleKind.CREATED_WITHIN_DAYS:
        return _days_since(created, now) <= threshold
    return False


def lead_score_compute(
    lead: Lead,
    rules: list[LeadScoringRule],
    *,
    interactions: int,
    now: datetime.datetime | None = None,
) -> tuple[int, list[dict]]:
    """The score (0–100) and its reasons, from `rules` in order; reads nothing from the database.

    Each reason is `{"points": 20, "reason": "budget confirmed", "rule_id": 3}`; the score is
    the sum of the points of the rules that hold, clamped to 0–100.
    """
    now = now or timezone.now()
    total = 0
    reasons = []
    for rule in rules:
        if not rule.is_active or not _rule_holds(rule, lead, interactions=interactions, now=now):
            continue
        total += rule.points
        reasons.append({"points": rule.points, "reason": rule.label, "rule_id": rule.pk})
    return max(0, min(100, total)), reasons


def _active_scoring_rules() -> list[LeadScoringRule]:
    return list(LeadScoringRule.objects.filter(is_active=True).order_by("position", "pk"))


def _interaction_count(lead: Lead) -> int:
    return LeadEvent.objects.filter(lead=lead, kind__in=INTERACTION_KINDS).count()


def lead_score_recompute(
    lead: Lead,
    *,
    rules: list[LeadScoringRule] | None = None,
    now: datetime.datetime | None = None,
) -> Lead:
    """Recompute and store `lead.score` and `lead.score_reasons` when they changed.

    Stored with an UPDATE of those two columns only, so a nightly recompute neither bumps the
    version an editor holds nor reorders "recently updated" lists.
    """
    rules = _active_scoring_rules() if rules is None else rules
    score, reasons = lead_score_compute(lead, rules, interactions=_interaction_count(lead), now=now)
    if (score, reasons) != (lead.score, lead.score_reasons):
        lead.score, lead.score_reasons = score, reasons
        Lead.objects.filter(pk=lead.pk).update(score=score, score_reasons=reasons)
    return lead


def lead_scores_recompute_all(*, now: datetime.datetime | None = None, batch: int = 1000) -> int:
    """Recompute the scores of every open lead, in batches; returns how many changed.

    For rules that depend on time ("no contact for 14 days") and after an administrator changes
    the rules. Idempotent: running it twice changes nothing the second time.
    """
    now = now or timezone.now()
    rules = _active_scoring_rules()
    needs_count = any(r.kind == ScoringRuleKind.INTERACTIONS_AT_LEAST for r in rules)
    changed_total = 0
    last_pk = 0
    while True:
        qs = Lead.objects.filter(status__in=OPEN_STATUSES, pk__gt=last_pk).order_by("pk")
        if needs_count:
            qs = qs.annotate(
                interaction_count=Count("events", filter=Q(events__kind__in=INTERACTION_KINDS))
            )
        leads = list(qs[:batch])
        if not leads:
            return changed_total
        changed = []
        for lead in leads:
            interactions = getattr(lead, "interaction_count", 0)
            score, reasons = lead_score_compute(lead, rules, interactions=interactions, now=now)
            if (score, reasons) != (lead.score, lead.score_reasons):
                lead.score, lead.score_reasons = score, reasons
                changed.append(lead)
        Lead.objects.bulk_update(changed, ["score", "score_reasons"])
        changed_total += len(changed)
        last_pk = leads[-1].pk


def _recompute_scores_after_commit() -> None:
    # The sales jobs queue the recomputation when this transaction commits (sales/tasks.py).
    publish(LeadScoringRulesChanged())
