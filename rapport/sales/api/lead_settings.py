"""REST endpoints for the lead settings: scoring rules, assignment rules and web-to-lead forms.

Web forms and the scoring and assignment rules are administrators' settings: everyone else gets
403. The endpoints keep the operation ids they had when they lived in `api/leads.py`, so clients
generated from the OpenAPI schema keep their method names.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from rapport.core.api_schemas import (
    BodyId,
    BodyInt,
    BodyPosition,
    InputSchema,
    TeamRef,
    UserRef,
    error_responses,
    items,
    service_input,
)
from rapport.core.schema_types import RecordId, capped_list
from rapport.customers.models import SourceChannel
from rapport.sales.models import AssignmentMethod, ScoringRuleKind
from rapport.sales.selectors import leads as selectors
from rapport.sales.services import leads as services

router = Router()

SETTINGS = ["lead settings"]


# --- Scoring rules -------------------------------------------------------------------------------


class ScoringRuleOut(Schema):
    id: int
    label: str
    kind: str
    field: str
    value: str
    points: int
    position: int
    is_active: bool


class ScoringRuleIn(InputSchema):
    label: str
    kind: ScoringRuleKind
    field: str | None = Field(
        None, description="For field rules: a lead field (region, budget…) or a form question key."
    )
    value: str | None = Field(
        None, description="The value to compare with, a source, an amount or a number of days."
    )
    points: BodyInt = Field(description="-100 to 100; negative subtracts.")
    position: BodyPosition | None = None
    is_active: bool | None = None


class ScoringRulePatch(InputSchema):
    label: str | None = None
    kind: ScoringRuleKind | None = None
    field: str | None = None
    value: str | None = None
    points: BodyInt | None = None
    position: BodyPosition | None = None
    is_active: bool | None = None


class ScoringRulePage(Schema):
    items: list[ScoringRuleOut]
    next_cursor: str | None
    prev_cursor: str | None


ADMIN_ONLY = "Administrators only (403 for everyone else)."


@router.get(
    "/lead-scoring-rules",
    response={200: ScoringRulePage, **error_responses(403)},
    tags=SETTINGS,
    description=f"Every rule on one page, in order. {ADMIN_ONLY}",
    operation_id="rapport_sales_api_leads_scoring_rules_list",
)
def scoring_rules_list(request: HttpRequest):
    selectors.require_lead_settings_manager(request.auth)
    return {"items": list(selectors.scoring_rules_all()), "next_cursor": None, "prev_cursor": None}


@router.post(
    "/lead-scoring-rules",
    response={201: ScoringRuleOut, **error_responses(400, 403, 422)},
    tags=SETTINGS,
    description=f"Open leads are rescored in the background. {ADMIN_ONLY}",
    operation_id="rapport_sales_api_leads_scoring_rule_create",
)
def scoring_rule_create(request: HttpRequest, payload: ScoringRuleIn):
    selectors.require_lead_settings_manager(request.auth)
    return Status(
        201, services.lead_scoring_rule_create(actor=request.auth, data=service_input(payload))
    )


@router.get(
    "/lead-scoring-rules/{int:rule_id}",
    response={200: ScoringRuleOut, **error_responses(403, 404)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_scoring_rule_detail",
)
def scoring_rule_detail(request: HttpRequest, rule_id: RecordId):
    selectors.require_lead_settings_manager(request.auth)
    return selectors.get_scoring_rule(rule_id)


@router.patch(
    "/lead-scoring-rules/{int:rule_id}",
    response={200: ScoringRuleOut, **error_responses(400, 403, 404, 422)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_scoring_rule_update",
)
def scoring_rule_update(request: HttpRequest, rule_id: RecordId, payload: ScoringRulePatch):
    selectors.require_lead_settings_manager(request.auth)
    rule = selectors.get_scoring_rule(rule_id)
    return services.lead_scoring_rule_update(
        actor=request.auth, rule=rule, data=service_input(payload)
    )


@router.delete(
    "/lead-scoring-rules/{int:rule_id}",
    response={204: None, **error_responses(403, 404)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_scoring_rule_delete",
)
def scoring_rule_delete(request: HttpRequest, rule_id: RecordId):
    selectors.require_lead_settings_manager(request.auth)
    rule = selectors.get_scoring_rule(rule_id)
    services.lead_scoring_rule_delete(actor=request.auth, rule=rule)
    return Status(204, None)


# --- Assignment rules ----------------------------------------------------------------------------


class AssignmentRuleOut(Schema):
    id: int
    name: str
    position: int
    region: str
    source: str
    product_id: int | None
    team: TeamRef
    method: str
    last_assigned: UserRef | None
    is_active: bool


class AssignmentRuleIn(InputSchema):
    name: str
    team_id: BodyId
    region: str | None = None
    source: SourceChannel | Literal[""] | None = None
    product_id: BodyId | None = None
    method: AssignmentMethod | None = None
    position: BodyPosition | None = None
    is_active: bool | None = None


class AssignmentRulePatch(InputSchema):
    name: str | None = None
    team_id: BodyId | None = None
    region: str | None = None
    source: SourceChannel | Literal[""] | None = None
    product_id: BodyId | None = None
    method: AssignmentMethod | None = None
    position: BodyPosition | None = None
    is_active: bool | None = None


class AssignmentRulePage(Schema):
    items: list[AssignmentRuleOut]
    next_cursor: str | None
    prev_cursor: str | None


@router.get(
    "/lead-assignment-rules",
    response={200: AssignmentRulePage, **error_responses(403)},
    tags=SETTINGS,
    description=f"Every rule on one page, in the order they are tried. {ADMIN_ONLY}",
    operation_id="rapport_sales_api_leads_assignment_rules_list",
)
def assignment_rules_list(request: HttpRequest):
    selectors.require_lead_settings_manager(request.auth)
    items = list(selectors.assignment_rules_all())
    return {"items": items, "next_cursor": None, "prev_cursor": None}


@router.post(
    "/lead-assignment-rules",
    response={201: AssignmentRuleOut, **error_responses(400, 403, 422)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_assignment_rule_create",
)
def assignment_rule_create(request: HttpRequest, payload: AssignmentRuleIn):
    selectors.require_lead_settings_manager(request.auth)
    rule = services.lead_assignment_rule_create(actor=request.auth, data=service_input(payload))
    return Status(201, selectors.get_assignment_rule(rule.pk))


@router.get(
    "/lead-assignment-rules/{int:rule_id}",
    response={200: AssignmentRuleOut, **error_responses(403, 404)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_assignment_rule_detail",
)
def assignment_rule_detail(request: HttpRequest, rule_id: RecordId):
    selectors.require_lead_settings_manager(request.auth)
    return selectors.get_assignment_rule(rule_id)


@router.patch(
    "/lead-assignment-rules/{int:rule_id}",
    response={200: AssignmentRuleOut, **error_responses(400, 403, 404, 422)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_assignment_rule_update",
)
def assignment_rule_update(request: HttpRequest, rule_id: RecordId, payload: AssignmentRulePatch):
    selectors.require_lead_settings_manager(request.auth)
    rule = selectors.get_assignment_rule(rule_id)
    services.lead_assignment_rule_update(actor=request.auth, rule=rule, data=service_input(payload))
    return selectors.get_assignment_rule(rule_id)


@router.delete(
    "/lead-assignment-rules/{int:rule_id}",
    response={204: None, **error_responses(403, 404)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_assignment_rule_delete",
)
def assignment_rule_delete(request: HttpRequest, rule_id: RecordId):
    selectors.require_lead_settings_manager(request.auth)
    rule = selectors.get_assignment_rule(rule_id)
    services.lead_assignment_rule_delete(actor=request.auth, rule=rule)
    return Status(204, None)


# --- Web forms -----------------------------------------------------------------------------------


class FormFieldOut(Schema):
    key: str
    label: str
    type: str
    required: bool
    options: list[str] | None = None


class FormFieldIn(InputSchema):
    key: str = Field(
        description="full_name, phone, email, company_name, job_title, region, "
        "city, budget or message fill the lead; any other key lands in its `data`."
    )
    label: str
    type: Literal["text", "textarea", "email", "tel", "number", "checkbox", "select"] = "text"
    required: bool = False
    # Capped before each choice is validated, like every list in a body (core.schema_types).
    options: capped_list(str) | None = None


class LeadFormOut(Schema):
    id: int
    name: str
    public_key: str
    submit_url: str
    fields: list[FormFieldOut]
    thank_you_text: str
    source: str
    campaign: str
    team: TeamRef | None
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_submit_url(obj) -> str:
        return reverse("sales:lead_form_public", args=[obj.public_key])


class LeadFormIn(InputSchema):
    name: str
    fields: items(FormFieldIn) | None = Field(
        None, description="Default: name, phone, e-mail, company and message."
    )
    thank_you_text: str | None = None
    source: SourceChannel | None = None
    campaign: str | None = None
    team_id: BodyId | None = None
    is_active: bool | None = None


class LeadFormPatch(InputSchema):
    name: str | None = None
    fields: items(FormFieldIn) | None = None
    thank_you_text: str | None = None
    source: SourceChannel | None = None
    campaign: str | None = None
    team_id: BodyId | None = None
    is_active: bool | None = None


class LeadFormPage(Schema):
    items: list[LeadFormOut]
    next_cursor: str | None
    prev_cursor: str | None


def _form_input(payload: Schema) -> dict[str, Any]:
    data = service_input(payload)
    if data.get("fields") is None:
        data.pop("fields", None)
    return data


@router.get(
    "/lead-forms",
    response={200: LeadFormPage, **error_responses(403)},
    tags=SETTINGS,
    description=f"Every web-to-lead form on one page. {ADMIN_ONLY}",
    operation_id="rapport_sales_api_leads_lead_forms_list",
)
def lead_forms_list(request: HttpRequest):
    selectors.require_lead_settings_manager(request.auth)
    return {"items": list(selectors.lead_forms_all()), "next_cursor": None, "prev_cursor": None}


@router.post(
    "/lead-forms",
    response={201: LeadFormOut, **error_responses(400, 403, 422)},
    tags=SETTINGS,
    description=f"A form must ask for the name and for a phone or an e-mail. {ADMIN_ONLY}",
    operation_id="rapport_sales_api_leads_lead_form_create",
)
def lead_form_create(request: HttpRequest, payload: LeadFormIn):
    selectors.require_lead_settings_manager(request.auth)
    lead_form = services.lead_form_create(actor=request.auth, data=_form_input(payload))
    return Status(201, selectors.get_lead_form(lead_form.pk))


@router.get(
    "/lead-forms/{int:form_id}",
    response={200: LeadFormOut, **error_responses(403, 404)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_lead_form_detail",
)
def lead_form_detail(request: HttpRequest, form_id: RecordId):
    selectors.require_lead_settings_manager(request.auth)
    return selectors.get_lead_form(form_id)


@router.patch(
    "/lead-forms/{int:form_id}",
    response={200: LeadFormOut, **error_responses(400, 403, 404, 422)},
    tags=SETTINGS,
    description=ADMIN_ONLY,
    operation_id="rapport_sales_api_leads_lead_form_update",
)
def lead_form_update(request: HttpRequest, form_id: RecordId, payload: LeadFormPatch):
    selectors.require_lead_settings_manager(request.auth)
    lead_form = selectors.get_lead_form(form_id)
    services.lead_form_update(actor=request.auth, lead_form=lead_form, data=_form_input(payload))
    return selectors.get_lead_form(form_id)


@router.delete(
    "/lead-forms/{int:form_id}",
    response={204: None, **error_responses(403, 404)},
    tags=SETTINGS,
    description=f"The form's leads stay. {ADMIN_ONLY}",
    operation_id="rapport_sales_api_leads_lead_form_delete",
)
def lead_form_delete(request: HttpRequest, form_id: RecordId):
    selectors.require_lead_settings_manager(request.auth)
    lead_form = selectors.get_lead_form(form_id)
    services.lead_form_delete(actor=request.auth, lead_form=lead_form)
    return Status(204, None)
