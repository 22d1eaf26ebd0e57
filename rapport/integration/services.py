"""Create-or-update by another system's keys, and the external ids of records.

`record_upsert` is what `PUT /api/v1/{kind}/by-external/{system}/{external_id}` does, and
`records_upsert` the same for each record of a batch: the record the system knows by that id is
created through the owning app's service (with its checks and its visibility rule) or updated by
the keys whose value differs from the last body accepted for it. The same body again changes
nothing: no row, no change in the feed (docs/decisions.md, "Change feed and upserts"). A batch
reads its links, their records' visibility and the records its bodies name once for all its
records (`Upserts`), so sending it again costs a fixed number of queries.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import ApplicationError, ValidationFailed
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
# Ids per IN (...) of a lookup: well below every database's limit on parameters.
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class UpsertResult:
    status: str  # "created", "updated" or "unchanged"
    record_id: int


@dataclass(frozen=True)
class Kind:
    key: str  # the record type (rapport.core.records)
    model: type
    get_for_user: Callable[[User, int], Any]
    # The records `actor` may see: the app's visibility selector.
    visible_to: Callable[[User], QuerySet]
    create: Callable[["Upserts", dict], Any]
    update: Callable[["Upserts", Any, dict, dict], None]
    # What a body names by external ids of the same system: [(kind key, external id)].
    references: Callable[[dict], list[tuple[str, str]]] = lambda data: []


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


def _chunks(values, size: int = LOOKUP_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class _Link:
    object_id: int
    payload: Any  # the last body accepted (None: the id was given by hand)


class Upserts:
    """One actor's upserts from one system (a batch, or one PUT), and what they read once.

    `load` reads the external ids of the records to upsert in one query, which of their records
    the actor may see in one more (the kind's visibility selector), and, for the records whose
    body differs from the last one accepted, the records their bodies name (an order's customer
    and products, a payment's order) in two queries per kind. So a body sent again costs no
    query of its own and a reference none; the rest (a record that went, one the actor may not
    see, an update) takes the path of a single upsert, which reads and locks what it needs.
    """

    def __init__(self, *, actor: User, system: str):
        self.actor = actor
        self.system = system
        self._links: dict[tuple[str, str], _Link | None] = {}
        # By kind key: the ids of records `actor` may see, mapped to the record when it was read.
        self._visible: dict[str, dict[int, Any]] = {}
        self._hidden: dict[str, set[int]] = {}

    def _read_links(self, kind: Kind, external_ids) -> None:
        wanted = {e for e in external_ids if (kind.key, e) not in self._links}
        for chunk in _chunks(wanted):
            rows = ExternalId.objects.filter(
                content_type=_content_type(kind.model), system=self.system, external_id__in=chunk
            ).values_list("external_id", "object_id", "payload")
            found = {external_id: _Link(pk, payload) for external_id, pk, payload in rows}
            for external_id in chunk:
                self._links[(kind.key, external_id)] = found.get(external_id)

    def _read_visible(self, kind: Kind, ids, *, records: bool) -> None:
        visible = self._visible.setdefault(kind.key, {})
        hidden = self._hidden.setdefault(kind.key, set())
        wanted = {
            pk
            for pk in ids
            if pk not in hidden and (visible.get(pk) is None if records else pk not in visible)
        }
        for chunk in _chunks(wanted):
            queryset = kind.visible_to(self.actor).filter(pk__in=chunk)
            if records:
                found = {record.pk: record for record in queryset}
            else:
                found = dict.fromkeys(queryset.values_list("pk", flat=True))
            visible.update(found)
            hidden.update(pk for pk in chunk if pk not in found)

    def _link(self, kind: Kind, external_id: str) -> _Link | None:
        if (kind.key, external_id) not in self._links:
            self._read_links(kind, [external_id])
        return self._links[(kind.key, external_id)]

    def _unchanged(self, kind: Kind, external_id: str, data: dict) -> _Link | None:
        """The link, if the body is the last one accepted and the actor may see its record."""
        link = self._links.get((kind.key, external_id))
        if link is None or link.payload != data:
            return None
        return link if link.object_id in self._visible.get(kind.key, {}) else None

    def load(self, kind: Kind, items: list[tuple[str, dict]]) -> None:
        """Read at once what upserting `items` ((external id, body) of `kind`) needs."""
        self._read_links(kind, [external_id for external_id, _data in items])
        linked = [self._links[(kind.key, external_id)] for external_id, _data in items]
        self._read_visible(kind, {link.object_id for link in linked if link}, records=False)
        named: dict[str, set[str]] = {}
        for external_id, data in items:
            if self._unchanged(kind, external_id, data) is None:
                for key, reference in kind.references(data):
                    named.setdefault(key, set()).add(reference)
        for key, references in named.items():
            named_kind = KINDS_BY_KEY[key]
            self._read_links(named_kind, references)
            links = [self._links[(key, reference)] for reference in references]
            self._read_visible(named_kind, {link.object_id for link in links if link}, records=True)

    def reference(self, kind: Kind, external_id: Any, field: str):
        """The record another record names by its external id (an order's customer, a product),
        if the actor may see it; else a 422 on `field`."""
        if not isinstance(external_id, str) or not external_id:
            raise _invalid(field, _("Give the other system's id."))
        link = self._link(kind, external_id)
        record = None
        if link is not None:
            self._read_visible(kind, [link.object_id], records=True)
            record = self._visible[kind.key].get(link.object_id)
        if record is None:
            raise _invalid(
                field,
                _("No record has the id %(id)s in %(system)s.")
                % {"id": external_id, "system": self.system},
            )
        return record

    def upsert(self, kind: Kind, external_id: str, data: dict) -> UpsertResult:
        """Create or update the record of `kind` the system knows as `external_id` (cleaned)."""
        link = self._link(kind, external_id)
        if link is not None and link.object_id not in self._visible.get(kind.key, {}):
            self._read_visible(kind, [link.object_id], records=False)
        if self._unchanged(kind, external_id, data) is not None:
            return UpsertResult("unchanged", link.object_id)
        # The first try of a new id has nothing to lock or read again; the retry (another
        # request created the id meanwhile, or the record behind a link went) reads it all.
        attempt = self._create if link is None else self._upsert_one
        try:
            with transaction.atomic():
                result = attempt(kind, external_id, data)
        except IntegrityError:
            # Another request created this external id meanwhile: ours is now an update.
            with transaction.atomic():
                result = self._upsert_one(kind, external_id, data)
        # What the rest of a batch (the same id again) finds.
        self._links[(kind.key, external_id)] = _Link(result.record_id, data)
        self._visible.setdefault(kind.key, {}).setdefault(result.record_id, None)
        return result

    def _create(self, kind: Kind, external_id: str, data: dict) -> UpsertResult:
        record = kind.create(self, data)
        ExternalId.objects.create(
            content_type=_content_type(kind.model),
            object_id=record.pk,
            system=self.system,
            external_id=external_id,
            payload=data,
        )
        return UpsertResult("created", record.pk)

    def _upsert_one(self, kind: Kind, external_id: str, data: dict) -> UpsertResult:
        """One upsert under the lock of its link, reading everything again."""
        link = (
            ExternalId.objects.select_for_update()
            .filter(content_type=_content_type(kind.model), system=self.system)
            .filter(external_id=external_id)
            .first()
        )
        if link is not None and not kind.model._base_manager.filter(pk=link.object_id).exists():
            # The record went without the link (deleted by a path that announced nothing).
            link.delete()
            link = None
        if link is None:
            return self._create(kind, external_id, data)
        record = kind.get_for_user(self.actor, link.object_id)
        if link.payload == data:
            return UpsertResult("unchanged", record.pk)
        previous = link.payload or {}
        changed = {k: v for k, v in data.items() if link.payload is None or previous.get(k) != v}
        if changed:
            kind.update(self, record, changed, data)
        link.payload = data
        link.save(update_fields=["payload", "updated_at"])
        return UpsertResult("updated", record.pk)


def _without_nulls(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


# --- Persons, companies, products ----------------------------------------------------------------


def _person_create(upserts, data):
    return customer_services.person_create(actor=upserts.actor, data=data)


def _person_update(upserts, person, changed, data):
    customer_services.person_update(actor=upserts.actor, person=person, data=changed, version=None)


def _company_create(upserts, data):
    return customer_services.company_create(actor=upserts.actor, data=data)


def _company_update(upserts, company, changed, data):
    customer_services.company_update(
        actor=upserts.actor, company=company, data=changed, version=None
    )


def _product_create(upserts, data):
    return catalog_services.product_create(actor=upserts.actor, data=_without_nulls(data))


def _product_update(upserts, product, changed, data):
    catalog_services.product_update(
        actor=upserts.actor, product=product, data=_without_nulls(changed)
    )


def _product_for_user(actor, pk):
    return catalog_selectors.get_product(pk)


def _products_visible_to(actor):
    # The catalogue is shared: everyone sees every product.
    return catalog_selectors.products_list()


# --- Orders and payments -------------------------------------------------------------------------

ORDER_FIXED = ("person_id", "company_id", "person_external_id", "company_external_id", "placed_at")


def _order_references(data: dict) -> list[tuple[str, str]]:
    named = [
        (key, data.get(field))
        for key, field in (("person", "person_external_id"), ("company", "company_external_id"))
    ]
    for line in data.get("lines") or ():
        if isinstance(line, dict):
            named.append(("product", line.get("product_external_id")))
    return [(key, value) for key, value in named if isinstance(value, str) and value]


def _order_content(upserts: "Upserts", data: dict) -> dict:
    """An upsert body as `order_create` / `order_update` take it: ids for external ids."""
    data = dict(data)
    data.pop("status", None)
    if data.get("person_external_id") is not None:
        person = upserts.reference(PERSONS, data["person_external_id"], "person_external_id")
        data["person_id"] = person.pk
    if data.get("company_external_id") is not None:
        company = upserts.reference(COMPANIES, data["company_external_id"], "company_external_id")
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
                line["product_id"] = upserts.reference(PRODUCTS, reference, field).pk
            lines.append(_without_nulls(line))
        data["lines"] = lines
    return _without_nulls(data)


def _order_create(upserts, data):
    actor = upserts.actor
    order = order_services.order_create(actor=actor, data=_order_content(upserts, data))
    status = data.get("status")
    if status and status != order.status:
        order = order_services.order_change_status(actor=actor, order=order, status=status)
    return order


def _order_update(upserts, order, changed, data):
    fixed = [key for key in ORDER_FIXED if key in changed]
    if fixed:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {key: [_("An order's customer and date cannot be changed.")] for key in fixed},
        )
    content = {k: v for k, v in changed.items() if k != "status"}
    if content:
        order_services.order_update(
            actor=upserts.actor,
            order=order,
            data=_order_content(upserts, content),
            version=None,
        )
    status = changed.get("status")
    if status and status != Order.objects.values_list("status", flat=True).get(pk=order.pk):
        order_services.order_change_status(actor=upserts.actor, order=order, status=status)


def _payment_references(data: dict) -> list[tuple[str, str]]:
    reference = data.get("order_external_id")
    return [("order", reference)] if isinstance(reference, str) and reference else []


def _payment_order(upserts: "Upserts", data: dict) -> Order:
    if data.get("order_external_id") is not None:
        return upserts.reference(ORDERS, data["order_external_id"], "order_external_id")
    if data.get("order_id") is not None:
        return sales_selectors.get_order_for_user(upserts.actor, data["order_id"])
    raise _invalid("order_external_id", _("Name the order (its external id or its id)."))


def _payment_create(upserts, data):
    # `payment_record` locks the order and reads it again: the one read here may be stale.
    order = _payment_order(upserts, data)
    return order_services.payment_record(
        actor=upserts.actor,
        order=order,
        amount=data.get("amount"),
        paid_at=data.get("paid_at"),
        method=data.get("method") or PaymentMethod.BANK_TRANSFER,
        reference=data.get("reference") or "",
        notes=data.get("notes") or "",
    )


class AlreadyRecorded(ApplicationError):
    status = 409


def _payment_update(upserts, payment, changed, data):
    raise AlreadyRecorded(
        "payment_recorded",
        _("A recorded payment cannot be changed; record a refund on its order instead."),
        {key: [_("This can no longer be changed.")] for key in changed},
    )


PERSONS = Kind(
    "person",
    Person,
    customer_selectors.get_person_for_user,
    customer_selectors.persons_visible_to,
    _person_create,
    _person_update,
)
COMPANIES = Kind(
    "company",
    Company,
    customer_selectors.get_company_for_user,
    customer_selectors.companies_visible_to,
    _company_create,
    _company_update,
)
PRODUCTS = Kind(
    "product", Product, _product_for_user, _products_visible_to, _product_create, _product_update
)
ORDERS = Kind(
    "order",
    Order,
    sales_selectors.get_order_for_user,
    sales_selectors.orders_visible_to,
    _order_create,
    _order_update,
    _order_references,
)
PAYMENTS = Kind(
    "payment",
    Payment,
    sales_selectors.get_payment_for_user,
    sales_selectors.payments_visible_to,
    _payment_create,
    _payment_update,
    _payment_references,
)
# By the name the API uses in its paths.
KINDS = {
    "persons": PERSONS,
    "companies": COMPANIES,
    "products": PRODUCTS,
    "orders": ORDERS,
    "payments": PAYMENTS,
}
KINDS_BY_KEY = {kind.key: kind for kind in KINDS.values()}


# --- Upsert --------------------------------------------------------------------------------------


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
    return Upserts(actor=actor, system=system).upsert(kind, external_id, data)


def records_upsert(
    *, actor: User, kind: Kind, system: str, records: list[tuple[Any, dict]]
) -> list[UpsertResult | ApplicationError]:
    """`record_upsert` for each of `records` ((external id, validated body)), each on its own.

    Each record is upserted in a transaction of its own, so one that fails (its error is in its
    place in the list) undoes no other. What the records need is read at once (`Upserts.load`):
    a batch sent again costs a fixed number of queries, whatever its size.
    """
    system = clean_system(system)
    upserts = Upserts(actor=actor, system=system)
    cleaned: list[tuple[str, dict] | ApplicationError] = []
    for external_id, data in records:
        try:
            cleaned.append((clean_external_id(external_id), data))
        except ApplicationError as exc:
            cleaned.append(exc)
    upserts.load(kind, [item for item in cleaned if isinstance(item, tuple)])
    outcomes: list[UpsertResult | ApplicationError] = []
    for item in cleaned:
        if isinstance(item, ApplicationError):
            outcomes.append(item)
            continue
        try:
            outcomes.append(upserts.upsert(kind, *item))
        except ApplicationError as exc:
            outcomes.append(exc)
    return outcomes


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
