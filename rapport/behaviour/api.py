"""The behaviour app's API: `POST /events` takes batches of events from websites and apps.

Mounted by `rapport.api.api`. A website's own pages send events with a site key to the public
endpoint (`rapport.behaviour.views.collect`), not here: a browser cannot keep an API key secret.
"""

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from rapport.behaviour import services
from rapport.behaviour.models import STANDARD_EVENT_NAMES
from rapport.core.api_schemas import InputSchema, error_responses

events_router = Router(tags=["events"])
routers: list = [events_router]

EVENT_SHAPE = (
    "Each event is an object: `name` (one of "
    + ", ".join(f"`{name}`" for name in STANDARD_EVENT_NAMES)
    + ", or a custom name: lower-case letters, digits, `_` and `.`, starting with a letter, at "
    "most 64 characters), `properties` (a JSON object of at most "
    f"{services.MAX_PROPERTIES_BYTES} bytes, nested at most {services.MAX_PROPERTY_DEPTH} "
    "levels), `occurred_at` (ISO 8601; default now; without an offset it is UTC) and who did it: "
    "`email`, `phone` (normalised like a person's phone numbers), `external_id` (your system's "
    "user id) and/or `anonymous_id` with `session_id` (1 to 100 printable characters)."
)


class EventsIn(InputSchema):
    events: Annotated[list[Any], Field(min_length=1, max_length=services.MAX_BATCH)] = Field(
        description=EVENT_SHAPE
    )


class EventProblemOut(Schema):
    index: int = Field(description="The event's position in `events`, from 0.")
    status: int = Field(description="422 invalid, 413 properties too large, 404 unknown person.")
    code: str
    message: str
    details: dict[str, Any]


class EventsOut(Schema):
    accepted: int
    rejected: int
    ids: list[int] = Field(description="The ids of the kept events, in the order sent.")
    errors: list[EventProblemOut]


class IdentifyIn(InputSchema):
    anonymous_id: str = Field(max_length=100)
    session_id: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    external_id: str | None = Field(None, max_length=100)
    occurred_at: datetime.datetime | None = None


class IdentifyOut(Schema):
    event_id: int
    person_id: int


@events_router.post(
    "/events",
    response={200: EventsOut, **error_responses()},
    summary="Send a batch of events",
    description=(
        f"1 to {services.MAX_BATCH} events per call. {EVENT_SHAPE} The good events are kept even "
        "when others are refused: each refused one is listed in `errors` with its `index` and an "
        "error body (`validation_error` 422, `properties_too_large` 413, `unknown_person` 404 "
        "when an event names a person by email, phone or external id that no person you may see "
        "has and carries no `anonymous_id` to keep it under). An event with an `anonymous_id` "
        "and a known person identifies the visitor: their earlier anonymous events join the "
        "person. A body that is not JSON is 400 `malformed_json` for the whole call."
    ),
)
def events_send(request: HttpRequest, payload: EventsIn):
    result = services.events_ingest(actor=request.auth, events=payload.events)
    return {
        "accepted": result.accepted,
        "rejected": len(result.errors),
        "ids": result.event_ids,
        "errors": [problem.as_dict() for problem in result.errors],
    }


@events_router.post(
    "/events/identify",
    response={200: IdentifyOut, **error_responses(404)},
    summary="Identify an anonymous visitor",
    description=(
        "Say who the visitor with this `anonymous_id` is (by email, phone or external id): their "
        "earlier events and visits join the person, and so do later events sent with the "
        "anonymous id alone. Kept as an `identified` event. 404 `unknown_person` when no person "
        "you may see matches."
    ),
)
def events_identify(request: HttpRequest, payload: IdentifyIn):
    event = services.visitor_identify(
        actor=request.auth, data=payload.model_dump(mode="json", exclude_none=True)
    )
    return {"event_id": event.pk, "person_id": event.person_id}
