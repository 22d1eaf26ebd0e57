"""REST endpoints of dataio: merging two persons or two companies, listing merges, undo.

Both records must be visible to the caller; an invisible one answers 404 like an unknown id.
"""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rapport.core.api_schemas import (
    BodyId,
    BodyInt,
    InputSchema,
    Listing,
    Page,
    UserRef,
    checked_sort,
    error_responses,
    paginate,
)
from rapport.core.errors import ValidationFailed
from rapport.core.schema_types import RecordId
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.dataio.models import MergeRecordType
from rapport.dataio.selectors import merges as selectors
from rapport.dataio.services.dedup import merge as services

router = Router(tags=["merge"])


class MergeIn(InputSchema):
    survivor_id: BodyId = Field(description="The record that stays, with its id.")
    other_id: BodyId = Field(description="The record merged into it and removed.")
    choices: dict[str, str] = Field(
        default_factory=dict,
        description="Field name → `survivor` or `other`: whose value the survivor keeps. "
        "Fields left out take the most recently updated non-empty value. Names: the record's "
        "columns, `owner` (owner and team together) and `custom.<key>` per custom field.",
    )
    survivor_version: BodyInt | None = Field(
        None, description="The survivor's version you loaded; 409 if it changed since."
    )
    other_version: BodyInt | None = Field(None, description="Likewise for the other record.")


class MergeOut(Schema):
    id: int
    record_type: str
    survivor_id: int | None = Field(description="Empty once the survivor was deleted.")
    other_id: int
    other_name: str
    choices: dict[str, str]
    actor: UserRef
    created_at: datetime.datetime
    undone_at: datetime.datetime | None
    undone_by: UserRef | None
    can_undo: bool
    undo_refusal: str | None = Field(description="Why the merge cannot be undone, if it cannot.")

    @staticmethod
    def resolve_survivor_id(obj) -> int | None:
        return obj.survivor_id

    @staticmethod
    def resolve_undo_refusal(obj) -> str | None:
        return services.merge_undo_refusal(obj)

    @staticmethod
    def resolve_can_undo(obj) -> bool:
        return services.merge_undo_refusal(obj) is None


class MergeListQuery(Listing):
    record_type: str | None = Field(None, description="`person` or `company`.")


@router.post(
    "/merges/persons",
    response={201: MergeOut, **error_responses(400, 404, 409, 422)},
    description="Merge person `other_id` into `survivor_id`: every related record (interactions, "
    "timeline, leads, deals, orders, tasks, tags, company links, phones, e-mails, addresses…) "
    "moves to the survivor, which takes the chosen values; the other person is removed.",
)
def merge_persons(request: HttpRequest, payload: MergeIn):
    survivor = get_person_for_user(request.auth, payload.survivor_id)
    other = get_person_for_user(request.auth, payload.other_id)
    merge = services.person_merge(
        actor=request.auth,
        survivor=survivor,
        other=other,
        choices=payload.choices,
        survivor_version=payload.survivor_version,
        other_version=payload.other_version,
    )
    return Status(201, selectors.get_merge_for_user(request.auth, merge.pk))


@router.post(
    "/merges/companies",
    response={201: MergeOut, **error_responses(400, 404, 409, 422)},
    description="Merge company `other_id` into `survivor_id`, like persons.",
)
def merge_companies(request: HttpRequest, payload: MergeIn):
    survivor = get_company_for_user(request.auth, payload.survivor_id)
    other = get_company_for_user(request.auth, payload.other_id)
    merge = services.company_merge(
        actor=request.auth,
        survivor=survivor,
        other=other,
        choices=payload.choices,
        survivor_version=payload.survivor_version,
        other_version=payload.other_version,
    )
    return Status(201, selectors.get_merge_for_user(request.auth, merge.pk))


@router.get(
    "/merges",
    response={200: Page[MergeOut], **error_responses(400, 422)},
    description="Merges of records you may see, and your own, newest first. Filter: `record_type`.",
)
def merges_list(request: HttpRequest, query: Query[MergeListQuery]):
    qs = selectors.merges_visible_to(request.auth)
    if query.record_type:
        if query.record_type not in MergeRecordType.values:
            raise ValidationFailed(
                _("Please correct the errors below."),
                {
                    "record_type": [
                        _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(MergeRecordType.values)}
                    ]
                },
            )
        qs = qs.filter(record_type=query.record_type)
    sort = checked_sort(query.sort, ("created_at", "-created_at"), "-created_at")
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.get("/merges/{int:merge_id}", response={200: MergeOut, **error_responses(404)})
def merge_detail(request: HttpRequest, merge_id: RecordId):
    return selectors.get_merge_for_user(request.auth, merge_id)


@router.post(
    "/merges/{int:merge_id}/undo",
    response={200: MergeOut, **error_responses(404, 409)},
    description="Bring the merged record back with its id and its related records, and give "
    "the survivor its previous values. 409 once the survivor has been edited since.",
)
def merge_undo(request: HttpRequest, merge_id: RecordId):
    merge = selectors.get_merge_for_user(request.auth, merge_id)
    services.merge_undo(actor=request.auth, merge=merge)
    return selectors.get_merge_for_user(request.auth, merge_id)
