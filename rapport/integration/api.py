"""The integration app's API routers, mounted by `rapport.api.api`: external ids and upserts,
batches, the change feed. (The `Idempotency-Key` header of every POST is honoured by
`rapport.integration.middleware`.)"""

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from rapport.core.api_schemas import InputSchema, error_responses, service_input
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.core.records import record_type
from rapport.core.schema_types import RecordId
from rapport.customers.api import CompanyIn, PersonIn
from rapport.integration import feed, services
from rapport.integration.services import KINDS
from rapport.sales.api.catalog import ProductIn
from rapport.sales.api.orders import OrderIn, OrderLineIn, PaymentIn
from rapport.sales.models import OrderStatus

router = Router(tags=["external ids"])
batch_router = Router(tags=["batches"])
changes_router = Router(tags=["changes"])

BATCH_MAX = 500
Kind = Literal["persons", "companies", "products", "orders", "payments"]
ExternalRef = Annotated[str, Field(min_length=1, max_length=services.EXTERNAL_ID_MAX)]


class OrderLineUpsertIn(OrderLineIn):
    product_external_id: ExternalRef | None = Field(
        None, description="The product by its id in the same system, instead of `product_id`."
    )


class OrderUpsertIn(OrderIn):
    person_external_id: ExternalRef | None = Field(
        None, description="The person by their id in the same system, instead of `person_id`."
    )
    company_external_id: ExternalRef | None = Field(
        None, description="The company by its id in the same system, instead of `company_id`."
    )
    lines: Annotated[list[OrderLineUpsertIn], Field(max_length=500)]
    status: OrderStatus | None = Field(
        None,
        description="Moved along the order's statuses when it differs (not to “paid”: "
        "payments make an order paid).",
    )


class PaymentUpsertIn(PaymentIn):
    order_external_id: ExternalRef | None = Field(
        None, description="The order by its id in the same system."
    )
    order_id: RecordId | None = Field(None, description="Or the order's id in Rapport.")


SCHEMAS: dict[str, type[InputSchema]] = {
    "persons": PersonIn,
    "companies": CompanyIn,
    "products": ProductIn,
    "orders": OrderUpsertIn,
    "payments": PaymentUpsertIn,
}


class UpsertOut(Schema):
    status: str = Field(description="`created`, `updated` or `unchanged`.")
    id: int
    record: dict[str, Any]


class ExternalIdsOut(Schema):
    external_ids: dict[str, str] = Field(description="The record's id in each system.")


class ExternalIdIn(InputSchema):
    external_id: ExternalRef


UPSERT_NOTE = (
    "Create or update the record that another system knows by `external_id` (`system`: up to "
    "50 of a–z, 0–9, `_`, `.`, `-`). Created (201) through the same checks as a POST; known: "
    "the same body as last time changes nothing (200 `unchanged`, no change in the feed), a "
    "different one changes the fields that differ (200 `updated`). A record you may not see "
    "answers 404. Orders name their customer and products by `person_external_id`, "
    "`company_external_id` and `product_external_id` in the same system (or by ids); a "
    "payment names its order by `order_external_id` (or `order_id`) and cannot be changed once "
    "recorded (409 `payment_recorded`)."
)


def _answer(kind_name: str, result: services.UpsertResult):
    key = KINDS[kind_name].key
    # Read once, after the upsert: the record as the services left it.
    record = KINDS[kind_name].model.objects.get(pk=result.record_id)
    body = {"status": result.status, "id": record.pk, "record": record_type(key).serialize(record)}
    return Status(201 if result.status == "created" else 200, body)


def _add_upsert(kind_name: str) -> None:
    schema = SCHEMAS[kind_name]
    path = f"/{kind_name}/by-external/{{system}}/{{external_id}}"

    def upsert(request: HttpRequest, system: str, external_id: str, payload: schema):  # type: ignore[valid-type]
        result = services.record_upsert(
            actor=request.auth,
            kind=KINDS[kind_name],
            system=system,
            external_id=external_id,
            data=service_input(payload),
        )
        return _answer(kind_name, result)

    def detail(request: HttpRequest, system: str, external_id: str):
        kind = KINDS[kind_name]
        pk = services.linked_id(kind.model, system, external_id)
        if pk is None:
            raise NotFound(_("Not found."))
        record = kind.get_for_user(request.auth, pk)
        return {
            "status": "unchanged",
            "id": record.pk,
            "record": record_type(kind.key).serialize(record),
        }

    upsert.__name__ = f"{kind_name}_upsert_by_external_id"
    detail.__name__ = f"{kind_name}_by_external_id"
    router.put(
        path,
        response={201: UpsertOut, 200: UpsertOut, **error_responses(403, 404, 409, 422)},
        description=UPSERT_NOTE,
        operation_id=upsert.__name__,
    )(upsert)
    router.get(
        path,
        response={200: UpsertOut, **error_responses(404)},
        description="The record another system knows by `external_id`.",
        operation_id=detail.__name__,
    )(detail)

    def ids_list(request: HttpRequest, record_id: RecordId):
        ids = services.external_ids_of(
            actor=request.auth, kind=KINDS[kind_name], record_id=record_id
        )
        return {"external_ids": ids}

    def id_set(request: HttpRequest, record_id: RecordId, system: str, payload: ExternalIdIn):
        services.external_id_set(
            actor=request.auth,
            kind=KINDS[kind_name],
            record_id=record_id,
            system=system,
            external_id=payload.external_id,
        )
        return ids_list(request, record_id)

    def id_remove(request: HttpRequest, record_id: RecordId, system: str):
        services.external_id_remove(
            actor=request.auth, kind=KINDS[kind_name], record_id=record_id, system=system
        )
        return Status(204, None)

    ids_path = f"/{kind_name}/{{int:record_id}}/external-ids"
    for view, name in ((ids_list, "list"), (id_set, "set"), (id_remove, "remove")):
        view.__name__ = f"{kind_name}_external_ids_{name}"
    router.get(
        ids_path,
        response={200: ExternalIdsOut, **error_responses(404)},
        operation_id=ids_list.__name__,
    )(ids_list)
    router.put(
        ids_path + "/{system}",
        response={200: ExternalIdsOut, **error_responses(404, 409, 422)},
        description="Give the record its id in `system` (an existing record another system "
        "should update by its own key). 409 `external_id_taken` if another record has it.",
        operation_id=id_set.__name__,
    )(id_set)
    router.delete(
        ids_path + "/{system}",
        response={204: None, **error_responses(404)},
        operation_id=id_remove.__name__,
    )(id_remove)


for _kind_name in KINDS:
    _add_upsert(_kind_name)


# --- Batches -------------------------------------------------------------------------------------


class BatchRecordIn(Schema):
    external_id: Any = None
    data: Any = None


class BatchIn(InputSchema):
    system: str
    records: Annotated[list[BatchRecordIn], Field(max_length=BATCH_MAX)]


class BatchResultOut(Schema):
    index: int
    external_id: Any
    status: str = Field(description="`created`, `updated`, `unchanged` or `error`.")
    http_status: int
    id: int | None = None
    error: dict[str, Any] | None = Field(None, description="`{code, message, details}`.")


class BatchOut(Schema):
    results: list[BatchResultOut]
    counts: dict[str, int]


def _validation_details(exc: PydanticValidationError) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ())) or "data"
        if error.get("type") == "missing":
            message = _("This field is required.")
        elif error.get("type") == "extra_forbidden":
            message = _("Unknown field.")
        else:
            message = _("Enter a valid value.")
        details.setdefault(field, []).append(message)
    return details


def _error(exc: ApplicationError) -> dict:
    return {"code": exc.code, "message": str(exc.message), "details": exc.details}


@batch_router.post(
    "/batch/{kind}",
    response={200: BatchOut, **error_responses(422)},
    description="Create or update up to 500 records of one kind by their ids in `system`, each "
    "as `PUT /{kind}/by-external/{system}/{external_id}` does it, each on its own: a record "
    "that fails gets its error `{code, message, details}` and its HTTP status in the results, "
    "and the others are kept. Body: `{system, records: [{external_id, data}]}`.",
)
def batch_upsert(request: HttpRequest, kind: Kind, payload: BatchIn):
    services.clean_system(payload.system)
    schema = SCHEMAS[kind]
    results = [
        {"index": index, "external_id": item.external_id}
        for index, item in enumerate(payload.records)
    ]
    valid = []  # (result, external id, body) of the records whose body is well formed
    for result, item in zip(results, payload.records, strict=True):
        try:
            if not isinstance(item.external_id, str):
                raise ValidationFailed(
                    _("Please correct the errors below."),
                    {"external_id": [_("Give the other system's id.")]},
                )
            try:
                data = service_input(schema.model_validate(item.data))
            except PydanticValidationError as exc:
                raise ValidationFailed(
                    _("Please correct the errors below."), _validation_details(exc)
                ) from None
        except ApplicationError as exc:
            result.update(status="error", http_status=exc.status, error=_error(exc))
        else:
            valid.append((result, item.external_id, data))
    outcomes = services.records_upsert(
        actor=request.auth,
        kind=KINDS[kind],
        system=payload.system,
        records=[(external_id, data) for _result, external_id, data in valid],
    )
    for (result, _external_id, _data), outcome in zip(valid, outcomes, strict=True):
        if isinstance(outcome, ApplicationError):
            result.update(status="error", http_status=outcome.status, error=_error(outcome))
        else:
            result.update(
                status=outcome.status,
                http_status=201 if outcome.status == "created" else 200,
                id=outcome.record_id,
            )
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return {"results": results, "counts": counts}


# --- The change feed -----------------------------------------------------------------------------


class ChangesQuery(Schema):
    after: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        0, description="The `next` of the page you read (0: from the beginning)."
    )
    limit: Annotated[int, Field(ge=1, le=1000)] = Field(
        100, description="Changes per page, at most 1,000."
    )


class ChangeOut(Schema):
    cursor: str
    record_type: str
    record_id: int
    operation: str
    changed_fields: list[str]
    occurred_at: str
    record: dict[str, Any] | None = Field(
        description="The record as it is now (null once deleted)."
    )
    external_ids: dict[str, str]


class ChangesOut(Schema):
    changes: list[ChangeOut]
    next: str = Field(description="Ask with `after=` this next time; nothing is ever skipped.")
    has_more: bool


@changes_router.get(
    "/changes",
    response={200: ChangesOut},
    description="Every create, update and delete of persons, companies, products, orders and "
    "payments you may see, in the order they were committed. Read from `after=0`, then from "
    "each page's `next`: a change that commits late comes after the ones already read, never "
    "before them, so none is skipped and none repeats. Each entry carries the record as it is "
    "now and its external ids.",
)
def changes_list(request: HttpRequest, query: Query[ChangesQuery]):
    rows, cursor, more = feed.changes_after(request.auth, after=query.after, limit=query.limit)
    return {"changes": feed.change_items(rows), "next": str(cursor), "has_more": more}


routers: list = [router, batch_router, changes_router]
