"""REST endpoints for rules: CRUD, the dry run, and each rule's log of runs.

Rules are a shared setting: every endpoint answers 403 `permission_denied` to anyone but an
administrator. The body of a rule is the JSON the rule page builds (docs/architecture.md,
"Automation"): validated by `services.rules`, which names each wrong part by its path
("actions.1.template_id").
"""

import datetime
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from rapport.automation import selectors, services
from rapport.core.api_schemas import (
    BodyVersion,
    InputSchema,
    Listing,
    Page,
    UserRef,
    checked_sort,
    error_responses,
    paginate,
    service_input,
    text,
)
from rapport.core.errors import NotFound
from rapport.core.schema_types import RecordId, capped_list

router = Router(tags=["automation"])
routers = [router]

RULE_SORTS = ("name", "-name", "updated_at", "-updated_at", "created_at", "-created_at")
RUN_SORTS = ("-started_at", "started_at")


class RuleOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool
    trigger: dict[str, Any]
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    preset: str
    version: int
    created_by: UserRef | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RuleIn(InputSchema):
    name: text(200)
    description: text(2000) | None = None
    is_active: bool | None = None
    trigger: dict[str, Any]
    conditions: dict[str, Any] | None = None
    # Capped here, before each entry is validated: a list of a million non-objects would
    # otherwise cost a minute of building a million errors. The rule service's own, smaller
    # limit (MAX_ACTIONS) still gives the precise message.
    actions: capped_list(dict[str, Any])


class RulePatch(InputSchema):
    version: BodyVersion
    name: text(200) | None = None
    description: text(2000) | None = None
    is_active: bool | None = None
    trigger: dict[str, Any] | None = None
    conditions: dict[str, Any] | None = None
    actions: capped_list(dict[str, Any]) | None = None


class DryRunIn(InputSchema):
    limit: int = 50


class SampleRecord(Schema):
    id: int
    name: str


class DryRunOut(Schema):
    count: int
    record_type: str
    moment: str | None
    sample: list[SampleRecord]


class StepOut(Schema):
    index: int
    action_type: str
    status: str
    attempts: int
    next_attempt_at: datetime.datetime | None
    wait_until: datetime.datetime | None
    wait_event: str
    result: dict[str, Any]
    error: str
    finished_at: datetime.datetime | None


class RunOut(Schema):
    id: int
    rule_id: int
    record_type: str
    record_id: int
    trigger: dict[str, Any]
    chain: uuid.UUID
    depth: int
    status: str
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    error: str
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj) -> list:
        return list(obj.steps.all())


def _dry_run_out(result: services.DryRun) -> dict:
    return {
        "count": result.count,
        "record_type": result.record_type,
        "moment": result.moment.isoformat() if result.moment is not None else None,
        "sample": [{"id": record.pk, "name": str(record)} for record in result.sample],
    }


@router.get("/rules", response={200: Page[RuleOut], **error_responses(400, 403, 422)})
def rules_list(request: HttpRequest, query: Query[Listing]):
    sort = checked_sort(query.sort, RULE_SORTS, "name")
    rules = selectors.rules_for_admin(request.auth).select_related("created_by")
    return paginate(rules, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/rules",
    response={201: RuleOut, **error_responses(400, 403, 422)},
    description="Create a rule: a trigger, conditions (an AND/OR tree) and ordered actions.",
)
def rule_create(request: HttpRequest, payload: RuleIn):
    rule = services.rule_create(actor=request.auth, data=service_input(payload))
    return Status(201, selectors.get_rule_for_admin(request.auth, rule.pk))


@router.post(
    "/rules/dry-run",
    response={200: DryRunOut, **error_responses(400, 403, 422)},
    description="How many records an unsaved rule would act on now, and the first of them.",
)
def rule_dry_run_unsaved(request: HttpRequest, payload: RuleIn):
    result = services.rule_dry_run(actor=request.auth, rule_or_data=service_input(payload))
    return _dry_run_out(result)


@router.get("/rules/{int:rule_id}", response={200: RuleOut, **error_responses(403, 404)})
def rule_detail(request: HttpRequest, rule_id: RecordId):
    return selectors.get_rule_for_admin(request.auth, rule_id)


@router.patch(
    "/rules/{int:rule_id}", response={200: RuleOut, **error_responses(400, 403, 404, 409, 422)}
)
def rule_update(request: HttpRequest, rule_id: RecordId, payload: RulePatch):
    rule = selectors.get_rule_for_admin(request.auth, rule_id)
    data = service_input(payload)
    version = data.pop("version")
    services.rule_update(actor=request.auth, rule=rule, data=data, version=version)
    return selectors.get_rule_for_admin(request.auth, rule_id)


@router.delete("/rules/{int:rule_id}", response={204: None, **error_responses(403, 404)})
def rule_delete(request: HttpRequest, rule_id: RecordId):
    rule = selectors.get_rule_for_admin(request.auth, rule_id)
    services.rule_delete(actor=request.auth, rule=rule)
    return Status(204, None)


@router.post(
    "/rules/{int:rule_id}/dry-run",
    response={200: DryRunOut, **error_responses(400, 403, 404, 422)},
    description="How many records the rule would act on now (for a date rule: today's "
    "occurrences not yet acted on), and the first of them. Changes nothing.",
)
def rule_dry_run(request: HttpRequest, rule_id: RecordId, payload: DryRunIn | None = None):
    rule = selectors.get_rule_for_admin(request.auth, rule_id)
    limit = payload.limit if payload is not None else 50
    result = services.rule_dry_run(actor=request.auth, rule_or_data=rule, limit=limit)
    return _dry_run_out(result)


@router.get(
    "/rules/{int:rule_id}/runs", response={200: Page[RunOut], **error_responses(400, 403, 404)}
)
def rule_runs(request: HttpRequest, rule_id: RecordId, query: Query[Listing]):
    rule = selectors.get_rule_for_admin(request.auth, rule_id)
    sort = checked_sort(query.sort, RUN_SORTS, "-started_at")
    return paginate(selectors.rule_runs(rule), sort=sort, cursor=query.cursor, limit=query.limit)


@router.get(
    "/rules/{int:rule_id}/runs/{int:run_id}", response={200: RunOut, **error_responses(403, 404)}
)
def rule_run_detail(request: HttpRequest, rule_id: RecordId, run_id: RecordId):
    rule = selectors.get_rule_for_admin(request.auth, rule_id)
    run = selectors.rule_runs(rule).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("Run not found."))
    return run
