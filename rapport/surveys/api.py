"""REST endpoints of the surveys: the surveys themselves (administrators) and the answers,
which a caller sees by the rule of what they rate (a CSAT answer with its ticket, an NPS answer
with its person); another team's answer is simply not listed."""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.core.api_schemas import (
    InputSchema,
    Page,
    PageQuery,
    error_responses,
    paginate,
    service_input,
    text,
)
from rapport.core.schema_types import RecordId
from rapport.surveys import selectors, services
from rapport.surveys.models import SurveyKind

router = Router(tags=["surveys"])


class SurveyIn(InputSchema):
    kind: SurveyKind
    name: text(200)
    question_zh: text(300) = Field("", description="Empty: the standard question of the kind.")
    question_en: text(300) = Field("", description="Empty: the standard question of the kind.")
    audience_tag_id: RecordId | None = Field(
        None, description="NPS: the tag of the persons it is sent to (this or a saved view)."
    )
    audience_view_id: RecordId | None = Field(
        None,
        description=(
            "NPS: a saved view of the persons list (/api/v1/saved-views): the persons it shows "
            "its owner are asked; with a tag as well, those in both."
        ),
    )
    every_days: int | None = Field(None, ge=1, le=3650, description="NPS: days between rounds.")
    quiet_days: int | None = Field(
        None, ge=0, le=3650, description="Nobody is asked again within this many days."
    )
    is_active: bool = True
    next_run_at: datetime.datetime | None = Field(
        None, description="NPS: when the next round starts (default: now)."
    )


class SurveyPatch(InputSchema):
    name: text(200) | None = None
    question_zh: text(300) | None = None
    question_en: text(300) | None = None
    audience_tag_id: RecordId | None = None
    audience_view_id: RecordId | None = None
    every_days: int | None = Field(None, ge=1, le=3650)
    quiet_days: int | None = Field(None, ge=0, le=3650)
    is_active: bool | None = None
    next_run_at: datetime.datetime | None = None
    version: int | None = Field(None, description="The `version` you read (optimistic lock).")


class SurveyOut(Schema):
    id: int
    kind: SurveyKind
    name: str
    question_zh: str
    question_en: str
    audience_tag_id: int | None
    audience_view_id: int | None
    every_days: int
    quiet_days: int
    is_active: bool
    next_run_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ResponseOut(Schema):
    id: int
    survey_id: int
    kind: SurveyKind
    score: int
    comment: str = Field(description="As the customer typed it; show it escaped.")
    language: str
    person_id: int | None
    ticket_id: int | None
    agent_id: int | None
    team_id: int | None
    category_id: int | None
    answered_at: datetime.datetime
    updated_at: datetime.datetime


class ResponseListQuery(PageQuery):
    kind: SurveyKind | None = None
    survey_id: RecordId | None = None
    ticket_id: RecordId | None = None
    person_id: RecordId | None = None
    score_min: int | None = Field(None, ge=0, le=10)
    score_max: int | None = Field(None, ge=0, le=10)
    q: str = Field("", max_length=200, description="Words the comment contains.")
    answered_from: datetime.date | None = None
    answered_to: datetime.date | None = None


@router.get(
    "/surveys",
    response={200: Page[SurveyOut], **error_responses(400, 403, 422)},
    description="Administrators.",
)
def survey_list(request: HttpRequest, query: Query[PageQuery]):
    surveys = selectors.surveys_for_admin(request.auth).order_by()
    return paginate(surveys, sort="-created_at", cursor=query.cursor, limit=query.limit)


@router.post(
    "/surveys",
    response={201: SurveyOut, **error_responses(400, 403, 422)},
    description="Administrators.",
)
def survey_create(request: HttpRequest, payload: SurveyIn):
    survey = services.survey_create(actor=request.auth, data=service_input(payload))
    return Status(201, survey)


@router.get(
    "/surveys/{int:survey_id}",
    response={200: SurveyOut, **error_responses(403, 404)},
    description="Administrators.",
)
def survey_detail(request: HttpRequest, survey_id: RecordId):
    return selectors.get_survey_for_admin(request.auth, survey_id)


@router.patch(
    "/surveys/{int:survey_id}",
    response={200: SurveyOut, **error_responses(400, 403, 404, 409, 422)},
    description="Administrators. The kind of a survey cannot change.",
)
def survey_update(request: HttpRequest, survey_id: RecordId, payload: SurveyPatch):
    survey = selectors.get_survey_for_admin(request.auth, survey_id)
    return services.survey_update(actor=request.auth, survey=survey, data=service_input(payload))


@router.get(
    "/survey-responses",
    response={200: Page[ResponseOut], **error_responses(400, 422)},
    description="Newest answer first: CSAT answers about tickets you see, NPS answers of "
    "persons you see.",
)
def response_list(request: HttpRequest, query: Query[ResponseListQuery]):
    responses = selectors.responses_list(
        request.auth,
        selectors.ResponseFilters(
            kind=query.kind or "",
            survey_id=query.survey_id,
            ticket_id=query.ticket_id,
            person_id=query.person_id,
            score_min=query.score_min,
            score_max=query.score_max,
            q=query.q.strip(),
            answered_from=query.answered_from,
            answered_to=query.answered_to,
        ),
    )
    return paginate(responses, sort="-answered_at", cursor=query.cursor, limit=query.limit)


routers = [router]
