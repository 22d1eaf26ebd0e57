"""Writes to leads: capture (by hand, the API, web forms), scoring, assignment, conversion.

One module per part; callers import the services from this package, which re-exports them:

- `capture`: create, change, disqualify and delete a lead, its history, and the submissions of
  the public web forms (honeypot, rate limit, repeat inquiries);
- `scoring`: the score and its reasons, recomputed on every change and by a periodic job;
- `assignment`: assignment by the rules or by hand, and the owner's follow-up task;
- `conversion`: a lead into a person, a company and a deal;
- `settings`: the administrators' web forms, scoring rules and assignment rules;
- `common`: what they share — the rules for a lead's columns, the errors, history entries.
"""

from rapport.sales.selectors.leads import OPEN_STATUSES
from rapport.sales.services.leads.assignment import (
    RuleAssigner,
    lead_assign,
    lead_assign_to,
    lead_follow_up_create,
)
from rapport.sales.services.leads.capture import (
    RateLimited,
    lead_capture_from_form,
    lead_create,
    lead_delete,
    lead_disqualify,
    lead_event_add,
    lead_update,
)
from rapport.sales.services.leads.common import LEAD_FIELDS, LeadClosed
from rapport.sales.services.leads.conversion import lead_convert
from rapport.sales.services.leads.scoring import (
    lead_score_compute,
    lead_score_recompute,
    lead_scores_recompute_all,
)
from rapport.sales.services.leads.settings import (
    FORM_COLUMN_TYPES,
    HONEYPOT_FIELD,
    default_form_fields,
    lead_assignment_rule_create,
    lead_assignment_rule_delete,
    lead_assignment_rule_update,
    lead_form_create,
    lead_form_delete,
    lead_form_update,
    lead_scoring_rule_create,
    lead_scoring_rule_delete,
    lead_scoring_rule_update,
)

__all__ = [
    "FORM_COLUMN_TYPES",
    "HONEYPOT_FIELD",
    "LEAD_FIELDS",
    "OPEN_STATUSES",
    "LeadClosed",
    "RateLimited",
    "RuleAssigner",
    "default_form_fields",
    "lead_assign",
    "lead_assign_to",
    "lead_assignment_rule_create",
    "lead_assignment_rule_delete",
    "lead_assignment_rule_update",
    "lead_capture_from_form",
    "lead_convert",
    "lead_create",
    "lead_delete",
    "lead_disqualify",
    "lead_event_add",
    "lead_follow_up_create",
    "lead_form_create",
    "lead_form_delete",
    "lead_form_update",
    "lead_score_compute",
    "lead_score_recompute",
    "lead_scores_recompute_all",
    "lead_scoring_rule_create",
    "lead_scoring_rule_delete",
    "lead_scoring_rule_update",
    "lead_update",
]
