"""The messaging app's API routers, mounted by `rapport.api.api`: the outbox (messages), e-mail
templates with a preview, the suppression list (administrators) and a person's consent
(whoever may see the person)."""

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.accounts.access import require_settings_manager
from rapport.core.api_schemas import (
    InputSchema,
    Listing,
    Page,
    checked_sort,
    column_text,
    error_responses,
    paginate,
    service_input,
    text,
)
from rapport.core.schema_types import RecordId
from rapport.customers.selectors import get_person_for_user
from rapport.messaging import selectors, services
from rapport.messaging.models import (
    Channel,
    ConsentChange,
    EmailTemplate,
    MessageStatus,
    Suppression,
)

messages_router = Router(tags=["e-mail messages"])
templates_router = Router(tags=["e-mail templates"])
suppressions_router = Router(tags=["suppressions"])
consent_router = Router(tags=["consent"])

# --- Messages -------------------------------------------------------------------------------


class MessageListItem(Schema):
    id: int
    to_address: str
    person_id: int | None
    subject: str
    kind: str
    status: str
    skip_reason: str
    message_id: str
    template_id: int | None
    origin: str
    attempts: int
    created_at: datetime.datetime
    sent_at: datetime.datetime | None
    open_count: int
    click_count: int


class MessageOut(MessageListItem):
    from_address: str
    body_text: str
    body_html: str
    headers: dict
    language: str
    error: str
    first_opened_at: datetime.datetime | None
    first_clicked_at: datetime.datetime | None


class MessageFilters(Listing):
    status: Literal[tuple(MessageStatus.values)] | None = None  # type: ignore[valid-type]
    q: str | None = Field(None, max_length=200, description="Part of the address or subject.")


@messages_router.get(
    "/messages",
    response={200: Page[MessageListItem], **error_responses(400, 403, 422)},
    description="Administrators only. Every e-mail Rapport sent or kept in the outbox.",
)
def messages_list(request: HttpRequest, query: Query[MessageFilters]):
    sort = checked_sort(query.sort, ("-created_at", "created_at"), "-created_at")
    messages = selectors.messages_for_admin(
        request.auth, status=query.status or "", q=query.q or ""
    )
    return paginate(messages, sort=sort, cursor=query.cursor, limit=query.limit)


@messages_router.get(
    "/messages/{int:message_id}",
    response={200: MessageOut, **error_responses(403, 404)},
    description="Administrators only.",
)
def message_detail(request: HttpRequest, message_id: RecordId):
    return selectors.get_message_for_admin(request.auth, message_id)


# --- Templates ------------------------------------------------------------------------------


class EmailTemplateOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str
    version: int
    updated_at: datetime.datetime


class EmailTemplateIn(InputSchema):
    name: column_text(EmailTemplate, "name")
    description: column_text(EmailTemplate, "description") = ""
    kind: Literal["transactional", "marketing"] = "transactional"
    subject_zh: text(400) = ""
    body_zh: text(20000) = ""
    subject_en: text(400) = ""
    body_en: text(20000) = ""


class EmailTemplateUpdate(EmailTemplateIn):
    version: int | None = Field(None, ge=1, description="The version you read (409 if changed).")


class PreviewQuery(Schema):
    person_id: RecordId | None = None
    language: Literal["zh-hans", "en"] | None = None


class PreviewOut(Schema):
    subject: str
    text: str
    html: str
    language: str


@templates_router.get(
    "/email-templates",
    response={200: Page[EmailTemplateOut], **error_responses(400, 403, 422)},
    description="Administrators only.",
)
def templates_list(request: HttpRequest, query: Query[Listing]):
    sort = checked_sort(query.sort, ("name", "-name"), "name")
    return paginate(
        selectors.templates_for_admin(request.auth),
        sort=sort,
        cursor=query.cursor,
        limit=query.limit,
    )


@templates_router.post(
    "/email-templates",
    response={201: EmailTemplateOut, **error_responses(400, 403, 422)},
    description="Administrators only. An unknown merge field or a syntax error is a 422 naming "
    "the field and the line.",
)
def template_create(request: HttpRequest, payload: EmailTemplateIn):
    return Status(
        201, services.email_template_create(actor=request.auth, data=service_input(payload))
    )


@templates_router.get(
    "/email-templates/{int:template_id}",
    response={200: EmailTemplateOut, **error_responses(403, 404)},
    description="Administrators only.",
)
def template_detail(request: HttpRequest, template_id: RecordId):
    return selectors.get_template_for_admin(request.auth, template_id)


@templates_router.put(
    "/email-templates/{int:template_id}",
    response={200: EmailTemplateOut, **error_responses(400, 403, 404, 409, 422)},
    description="Administrators only.",
)
def template_update(request: HttpRequest, template_id: RecordId, payload: EmailTemplateUpdate):
    template = selectors.get_template_for_admin(request.auth, template_id)
    data = service_input(payload)
    version = data.pop("version", None)
    return services.email_template_update(
        actor=request.auth, template=template, data=data, version=version
    )


@templates_router.delete(
    "/email-templates/{int:template_id}",
    response={204: None, **error_responses(403, 404)},
    description="Administrators only.",
)
def template_delete(request: HttpRequest, template_id: RecordId):
    template = selectors.get_template_for_admin(request.auth, template_id)
    services.email_template_delete(actor=request.auth, template=template)
    return Status(204, None)


@templates_router.get(
    "/email-templates/{int:template_id}/preview",
    response={200: PreviewOut, **error_responses(400, 403, 404, 422)},
    description="Administrators only. Rendered for a person you may see (404 otherwise), in "
    "their language unless `language` says otherwise.",
)
def template_preview(request: HttpRequest, template_id: RecordId, query: Query[PreviewQuery]):
    template = selectors.get_template_for_admin(request.auth, template_id)
    person = get_person_for_user(request.auth, query.person_id) if query.person_id else None
    return services.template_render(template=template, person=person, language=query.language)


# --- Suppressions ---------------------------------------------------------------------------


class SuppressionOut(Schema):
    id: int
    address: str
    reason: str
    source: str
    created_at: datetime.datetime


class SuppressionIn(InputSchema):
    address: column_text(Suppression, "address")
    reason: Literal["hard_bounce", "complaint", "unsubscribe", "manual"] = "manual"
    source: column_text(Suppression, "source") = ""


class SuppressionFilters(Listing):
    q: str | None = Field(None, max_length=254, description="Part of the address.")


@suppressions_router.get(
    "/suppressions",
    response={200: Page[SuppressionOut], **error_responses(400, 403, 422)},
    description="Administrators only. Addresses no marketing e-mail goes to.",
)
def suppressions_list(request: HttpRequest, query: Query[SuppressionFilters]):
    sort = checked_sort(query.sort, ("-created_at", "created_at"), "-created_at")
    return paginate(
        selectors.suppressions_for_admin(request.auth, q=query.q or ""),
        sort=sort,
        cursor=query.cursor,
        limit=query.limit,
    )


@suppressions_router.post(
    "/suppressions",
    response={201: SuppressionOut, **error_responses(400, 403, 422)},
    description="Administrators only.",
)
def suppression_create(request: HttpRequest, payload: SuppressionIn):
    require_settings_manager(request.auth)
    return Status(
        201,
        services.suppression_add(
            actor=request.auth,
            address=payload.address,
            reason=payload.reason,
            source=payload.source,
        ),
    )


@suppressions_router.delete(
    "/suppressions/{int:suppression_id}",
    response={204: None, **error_responses(403, 404)},
    description="Administrators only.",
)
def suppression_delete(request: HttpRequest, suppression_id: RecordId):
    suppression = selectors.get_suppression_for_admin(request.auth, suppression_id)
    services.suppression_remove(actor=request.auth, suppression=suppression)
    return Status(204, None)


# --- Consent --------------------------------------------------------------------------------


class ConsentChangeOut(Schema):
    id: int
    channel: str
    status: str
    source: str
    note: str
    actor_id: int | None
    created_at: datetime.datetime


class ConsentOut(Schema):
    current: dict[str, str | None]
    history: list[ConsentChangeOut]


class ConsentIn(InputSchema):
    channel: Literal["email", "sms", "phone"]
    status: Literal["opted_in", "opted_out"]
    source: column_text(ConsentChange, "source")
    note: column_text(ConsentChange, "note") = ""


def _consent(person) -> dict:
    return {
        "current": {c: selectors.consent_status(person, c) for c in Channel.values},
        "history": list(selectors.consent_history(person)[:100]),
    }


@consent_router.get(
    "/persons/{int:person_id}/consent",
    response={200: ConsentOut, **error_responses(404)},
)
def person_consent(request: HttpRequest, person_id: RecordId):
    return _consent(get_person_for_user(request.auth, person_id))


@consent_router.post(
    "/persons/{int:person_id}/consent",
    response={201: ConsentOut, **error_responses(400, 404, 422)},
    description="Record an opt-in or opt-out; the history keeps every change.",
)
def person_consent_set(request: HttpRequest, person_id: RecordId, payload: ConsentIn):
    person = get_person_for_user(request.auth, person_id)
    services.consent_set(
        person=person,
        actor=request.auth,
        channel=payload.channel,
        status=payload.status,
        source=payload.source,
        note=payload.note,
    )
    return Status(201, _consent(person))


routers: list = [messages_router, templates_router, suppressions_router, consent_router]
