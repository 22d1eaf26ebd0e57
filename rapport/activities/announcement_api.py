"""REST endpoints for announcements (rules in `rapport.activities.announcements`).

An announcement the caller may not see answers 404; who has read one is answered to its author
and administrators only (403 to anyone else who may see it).
"""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rapport.activities import announcements as ann
from rapport.core.api_schemas import (
    InputSchema,
    Page,
    PageQuery,
    TeamRef,
    UserRef,
    error_responses,
    paginate,
    service_input,
    text,
)
from rapport.core.errors import PermissionDenied
from rapport.core.schema_types import RecordId

announcements_router = Router(tags=["announcements"])


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str
    author: UserRef
    team: TeamRef | None = Field(None, description="The team it is addressed to; null: everyone.")
    published_at: datetime.datetime
    expires_at: datetime.datetime | None
    is_read: bool = Field(description="Whether you have marked it read.")
    created_at: datetime.datetime


class AnnouncementIn(InputSchema):
    title: text(ann.TITLE_MAX)
    body: text(ann.BODY_MAX) | None = None
    team_id: RecordId | None = Field(
        None, description="Leave it out to announce to everyone (administrators only)."
    )
    published_at: datetime.datetime | None = Field(None, description="Default: now.")
    expires_at: datetime.datetime | None = None


class ReaderOut(Schema):
    user: UserRef
    read_at: datetime.datetime


class ReceiptsOut(Schema):
    audience: int = Field(description="How many active users it is addressed to.")
    read: int = Field(description="How many of them have read it.")
    readers: list[ReaderOut]
    not_read: list[UserRef]


class ReadOut(Schema):
    marked: bool = Field(description="False if you had already read it.")


@announcements_router.get(
    "/announcements",
    response={200: Page[AnnouncementOut], **error_responses(400, 422)},
    description="The announcements addressed to you (and those you wrote), newest first.",
)
def announcements_list(request: HttpRequest, query: Query[PageQuery]):
    qs = ann.announcements_visible_to(request.auth).select_related("author", "team")
    return paginate(qs, sort="-published_at", cursor=query.cursor, limit=query.limit)


@announcements_router.post(
    "/announcements",
    response={201: AnnouncementOut, **error_responses(400, 403, 422)},
    description="Publish an announcement: administrators to everyone or a team, sales managers "
    "to their own team.",
)
def announcement_create(request: HttpRequest, payload: AnnouncementIn):
    announcement = ann.announcement_create(actor=request.auth, data=service_input(payload))
    return Status(201, ann.get_announcement_for_user(request.auth, announcement.pk))


@announcements_router.get(
    "/announcements/{int:announcement_id}",
    response={200: AnnouncementOut, **error_responses(404)},
)
def announcement_detail(request: HttpRequest, announcement_id: RecordId):
    return ann.get_announcement_for_user(request.auth, announcement_id)


@announcements_router.post(
    "/announcements/{int:announcement_id}/read",
    response={200: ReadOut, **error_responses(404)},
    description="Mark it read: it leaves your banner.",
)
def announcement_read(request: HttpRequest, announcement_id: RecordId):
    announcement = ann.get_announcement_for_user(request.auth, announcement_id)
    return {"marked": ann.announcement_mark_read(actor=request.auth, announcement=announcement)}


@announcements_router.get(
    "/announcements/{int:announcement_id}/receipts",
    response={200: ReceiptsOut, **error_responses(403, 404)},
    description="Who has read it and who has not: for its author and administrators.",
)
def announcement_receipts(request: HttpRequest, announcement_id: RecordId):
    announcement = ann.get_announcement_for_user(request.auth, announcement_id)
    if not ann.may_see_receipts(request.auth, announcement):
        raise PermissionDenied(_("Only its author or an administrator sees who has read it."))
    receipts = list(ann.announcement_receipts(announcement))
    read_ids = {r.user_id for r in receipts}
    audience = list(ann.announcement_audience(announcement).order_by("username"))
    return {
        "audience": len(audience),
        "read": sum(1 for u in audience if u.pk in read_ids),
        "readers": receipts,
        "not_read": [u for u in audience if u.pk not in read_ids],
    }


@announcements_router.delete(
    "/announcements/{int:announcement_id}", response={204: None, **error_responses(403, 404)}
)
def announcement_delete(request: HttpRequest, announcement_id: RecordId):
    announcement = ann.get_announcement_for_user(request.auth, announcement_id)
    ann.announcement_delete(actor=request.auth, announcement=announcement)
    return Status(204, None)
