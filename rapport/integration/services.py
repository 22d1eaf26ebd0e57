"""Create-or-update by another system's keys, and the external ids of records.

`record_upsert` is what `PUT /api/v1/{kind}/by-external/{system}/{external_id}` and each record
of a batch do: the record the system knows by that id is created through the owning app's
service (with its checks and its visibility rule) or updated by the keys whose value differs
from the last body accepted for it. The same body again changes nothing: no row, no change in
the feed (docs/decisions.md, "Change feed and upserts").
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.customers import selectors as customer_selectors
from rapport.customers import services as customer_services
from rapport.customers.models import Company, Person
from rapport.integration.models import ExternalId
from rapport.sales.models import Order, Payment, PaymentMethod, Product
from rapport.sales.selectors import catalog as catalog_selectors
from rapport.sales.selectors import orders as sales_selectors
from rapport.sales.services import catalog as catalog_services
from rapport.sales.services import orders as order_services

SYSTEM_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,49}$")
EXTERNAL_ID_MAX = 200


@dataclass(frozen=True)
class UpsertResult:
    status: str  # "created", "updated" or "unchanged"
    record: Any


@dataclass(frozen=True)
class Kind:
    key: str  # the record type (rapport.core.records)
    model: type
    get_for_user: Callable[[User, int], Any]
    create: Callable[[User, str, dict], Any]
    update: Callable[[User, str, Any, dict, dict], None]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), {field: [message]})


def clean_system(system: str) -> str:
    if not isinstance(system, str) or not SYSTEM_PATTERN.match(system):
        raise _invalid(
            "system",
            _("Name the system with up to 50 lower-case letters, digits, “_”, “.” or “-”."),
        )
    return system


def clean_external_id(external_id: str) -> str:
    value = external_id.strip() if isinstance(external_id, str) else ""
    if not value or len(value) > EXTERNAL_ID_MAX or not value.isprintable():
        raise _invalid(
            "external_id",
            _("Give the other system's id: printable text of up to %(limit)d characters.")
            % {"limit": EXTERNAL_ID_MAX},
        )
    return value


def _content_type(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


def linked_id(model, system: str, external_id: str) -> int | None:
    """The id of the record of `model` that `system` knows as `external_id`, if any."""
    return (
        ExternalId.objects.filter(
            content_type=_content_type(model), system=system, external_id=external_id
        )
        .values_list("object_id", flat=True)
        .first()
    )


def _reference(actor: User, kind: "Kind", system: str, external_id: Any, field: str):
    """The record another record names by its external id (an order's customer, a product)."""
    if not isinstance(external_id, str) or not external_id:
        raise _invalid(field, _("Give the other system's id."))
    pk = linked_id(kind.model, system, external_id)
    if pk is None:
        raise _invalid(
            field,
            _("No record has the id %(id)s in %(system)s.") % {"id": external_id, "system": system},
        )
    try:
        return kind.get_for_user(actor, pk)
    except NotFound:
        raise _invalid(
            field,
            _("No record has the id %(id)s in %(system)s.") % {"id": external_id, "system": system},
        ) from None


def _without_nulls(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


# --- Persons, companies, products ----------------------------------------------------------------


def _person_create(actor, system, data):
    return customer_services.person_create(actor=actor, data=data)


def _person_update(actor, system, person, changed, data):
    customer_services.person_update(actor=actor, person=person, data=changed, version=None)


def _company_create(actor, system, data):
    return customer_services.company_create(actor=actor, data=data)


def _company_update(actor, system, company, changed, data):
    customer_services.company_update(actor=actor, company=company, data=changed, version=None)


def _product_create(actor, system, data):
    return catalog_services.product_create(actor=actor, data=_without_nulls(data))


def _product_update(actor, system, product, changed, data):
    catalog_services.product_update(actor=actor, product=product, data=_without_nulls(changed))


def _product_for_user(actor, pk):
    return catalog_selectors.get_product(pk)


# --- Orders and payments -------------------------------------------------------------------------

ORDER_FIXED = ("person_id", "company_id", "person_external_id", "company_external_id", "placed_at")


def _order_content(actor: User, system: str, data: dict) -> dict:
    """An upsert body as `order_create` / `order_update` take it: ids for external ids."""
    data = dict(data)
    data.pop("status", None)
    if data.get("person_external_id") is not None:
        person = _reference(
            actor, PERSONS, system, data["person_external_id"], "person_external_id"
        )
        data["person_id"] = person.pk
    if data.get("company_external_id") is not None:
        company = _reference(
            actor, COMPANIES, system, data["company_external_id"], "company_external_id"
        )
        data["company_id"] = company.pk
    data.pop("person_external_id", None)
    data.pop("company_external_id", None)
    if data.get("lines") is not None:
        lines = []
        for index, line in enumerate(data["lines"]):
            line = dict(line)
            reference = line.pop("product_external_id", None)
            if reference is not None:
                field = f"lines.{index}.product_external_id"
                line["product_id"] = _reference(actor, PRODUCTS, system, reference, field).pk
            lines.append(_without_nulls(line))
        data["lines"] = lines
    return _without_nulls(data)


def _order_create(actor, system, data):
    order = order_services.order_create(actor=actor, data=_order_content(actor, system, data))
    status = data.get("status")
    if status and status != order.status:
        order = order_services.order_change_status(actor=actor, order=order, status=status)
    return order


def _order_update(actor, system, order, changed, data):
    fixed = [key for key in ORDER_FIXED if key in changed]
    if fixed:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {key: [_("An order's customer and date cannot be changed.")] for key in fixed},
        )
    content = {k: v for k, v in changed.items() if k != "status"}
    if content:
        order_services.order_update(
            actor=actor, order=order, data=_order_content(actor, system, content), version=None
        )
    status = changed.get("status")
    if status and status != Order.objects.values_list("status", flat=True).get(pk=order.pk):
        order_services.order_change_status(actor=actor, order=order, status=status)


def _payment_order(actor: User, system: str, data: dict) -> Order:
    if data.get("order_external_id") is not None:
        return _reference(actor, ORDERS, system, data["order_external_id"], "order_external_id")
    if data.get("order_id") is not None:
        return sales_selectors.get_order_for_user(actor, data["order_id"])
    raise _invalid("order_external_id", _("Name the order (its external id or its id)."))


def _payment_create(actor, system, data):
    order = _payment_order(actor, system, data)
    return order_services.payment_record(
        actor=actor,
        order=order,
        amount=data.get("amount"),
        paid_at=data.get("paid_at"),
        method=data.get("method") or PaymentMethod.BANK_TRANSFER,
        reference=data.get("reference") or "",
        notes=data.get("notes") or "",
    )


class AlreadyRecorded(ApplicationError):
    status = 409


def _payment_update(actor, system, payment, changed, data):
    raise AlreadyRecorded(
        "payment_recorded",
        _("A recorded payment cannot be changed; record a refund on its order instead."),
        {key: [_("This can no longer be changed.")] for key in changed},
    )


PERSONS = Kind(
    "person", Person, customer_selectors.get_person_for_user, _person_create, _person_update
)
COMPANIES = Kind(
    "company", Company, customer_selectors.get_company_for_user, _company_create, _company_update
)
PRODUCTS = Kind("product", Product, _product_for_user, _product_create, _product_update)
ORDERS = Kind("order", Order, sales_selectors.get_order_for_user, _order_create, _order_update)
PAYMENTS = Kind(
    "payment", Payment, sales_selectors.get_payment_for_user, _payment_create, _payment_update
)
# By the name the API uses in its paths.
KINDS = {
    "persons": PERSONS,
    "companies": COMPANIES,
    "products": PRODUCTS,
    "orders": ORDERS,
    "payments": PAYMENTS,
}


# --- Upsert --------------------------------------------------------------------------------------


def _upsert(*, actor: User, kind: Kind, system: str, external_id: str, data: dict) -> UpsertResult:
    content_type = _content_type(kind.model)
    link = (
        ExternalId.objects.select_for_update()
        .filter(content_type=content_type, system=system, external_id=external_id)
        .first()
    )
    if link is not None and not kind.model._base_manager.filter(pk=link.object_id).exists():
        # The record went without the link (deleted by a path that announced nothing).
        link.delete()
        link = None
    if link is None:
        record = kind.create(actor, system, data)
        ExternalId.objects.create(
            content_type=content_type,
            object_id=record.pk,
            system=system,
            external_id=external_id,
            payload=data,
        )
        return UpsertResult("created", record)
    record = kind.get_for_user(actor, link.object_id)
    if link.payload == data:
        return UpsertResult("unchanged", record)
    previous = link.payload or {}
    changed = {k: v for k, v in data.items() if link.payload is None or previous.get(k) != v}
    if changed:
        kind.update(actor, system, record, changed, data)
    link.payload = data
    link.save(update_fields=["payload", "updated_at"])
    return UpsertResult("updated", record)


def record_upsert(
    *, actor: User, kind: Kind, system: str, external_id: str, data: dict
) -> UpsertResult:
    """Create or update the record of `kind` that `system` knows as `external_id`.

    `data` is the validated body (JSON values). Created: through the owning app's create service.
    Known, and visible to `actor` (else NotFound): unchanged when `data` equals the last body
    accepted for it, else the keys that differ go to the update service. Two requests creating
    the same id at once: one creates, the other updates (or finds it unchanged).
    """
    system = clean_system(system)
    external_id = clean_external_id(external_id)
    try:
        with transaction.atomic():
            return _upsert(
                actor=actor, kind=kind, system=system, external_id=external_id, data=data
            )
    except IntegrityError:
        # Another request created this external id meanwhile: ours is now an update.
        with transaction.atomic():
            return _upsert(
                actor=actor, kind=kind, system=system, external_id=external_id, data=data
            )


@transaction.atomic
def external_id_set(*, actor: User, kind: Kind, record_id: int, system: str, external_id: str):
    """Give a record `actor` may see its id in `system` (replacing the one it had there)."""
    record = kind.get_for_user(actor, record_id)
    system = clean_system(system)
    external_id = clean_external_id(external_id)
    content_type = _content_type(kind.model)
    taken = (
        ExternalId.objects.filter(content_type=content_type, system=system, external_id=external_id)
        .exclude(object_id=record.pk)
        .exists()
    )
    if taken:
        raise AlreadyRecorded(
            "external_id_taken",
            _("Another record already has the id %(id)s in %(system)s.")
            % {"id": external_id, "system": system},
            {"external_id": [_("Already in use.")]},
        )
    link, _created = ExternalId.objects.update_or_create(
        content_type=content_type,
        object_id=record.pk,
        system=system,
        defaults={"external_id": external_id, "payload": None},
    )
    return link


@transaction.atomic
def external_id_remove(*, actor: User, kind: Kind, record_id: int, system: str) -> None:
    record = kind.get_for_user(actor, record_id)
    ExternalId.objects.filter(
        content_type=_content_type(kind.model), object_id=record.pk, system=system
    ).delete()


def external_ids_of(*, actor: User, kind: Kind, record_id: int) -> dict[str, str]:
    record = kind.get_for_user(actor, record_id)
    return dict(
        ExternalId.objects.filter(content_type=_content_type(kind.model), object_id=record.pk)
        .order_by("system")
        .values_list("system", "external_id")
    )
