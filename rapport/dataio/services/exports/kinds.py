"""What can be exported: one `ExportKind` per list page, with the columns a user may choose.

Each kind reuses its list page's own filter parsing and selector, so an export holds exactly
the rows that list shows with the same filters, under the one visibility rule. Rows are
written in id order (see `selectors.exports.export_chunks`), not in the list's sort order.

An export imports back without help: a column that an import of the same records can fill names
that import field (`Column.import_key`) and is headed with the field's own label, in the export's
language, which the import's `propose_mapping` recognises in either language; its values are
written as the import reads them (the owner's user name, an order's customer by phone, e-mail or
company, one row per order line). Columns the import has no field for (the owner's display name,
the team, the times) are listed as not imported there, never refused.
"""

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities import views as activity_views
from rapport.activities.selectors import interactions_list
from rapport.core.errors import ApplicationError, NotFound
from rapport.customers import views as customer_views
from rapport.customers.models import ContactLabel, CustomFieldDefinition, RecordType
from rapport.customers.selectors import companies_list, custom_fields_for, persons_list
from rapport.dataio.models import ExportRecordType
from rapport.dataio.services.imports.mapping import CUSTOM_PREFIX as IMPORT_CUSTOM_PREFIX
from rapport.dataio.services.imports.mapping import import_fields
from rapport.sales.models import OrderLine
from rapport.sales.selectors.deals import deals_list
from rapport.sales.selectors.leads import leads_list
from rapport.sales.selectors.orders import orders_list
from rapport.sales.views import deals as deal_views
from rapport.sales.views import leads as lead_views
from rapport.sales.views import orders as order_views

CUSTOM_COLUMN_PREFIX = "cf_"

# Query parameters of an export request that are not the list's filters.
EXPORT_PARAMETERS = frozenset({"columns", "format", "cursor", "sort", "csrfmiddlewaretoken"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    value: Callable[[Any], Any]
    # Prefetches the column needs, applied to each chunk of rows (never a query per row).
    prefetch: tuple = ()
    default: bool = False
    # The field of the kind's import target this column fills when the file is imported back.
    import_key: str = ""
    # A value of each of the record's lines (`ExportKind.lines`): one row per line.
    per_line: bool = False


def _display(name: str) -> Callable[[Any], Any]:
    """The choice's label in the active language, like `get_<name>_display()`, but with the
    labels looked up once per model and language rather than once per row (Django rebuilds a
    dict of lazily translated choices on every call, a fifth of a big export's time)."""
    labels: dict[tuple, dict] = {}

    def get(record):
        key = (type(record), get_language())
        table = labels.get(key)
        if table is None:
            field = record._meta.get_field(name)
            table = labels[key] = {value: str(label) for value, label in field.flatchoices}
        value = getattr(record, name)
        return table.get(value, value)

    return get


def _attr(path: str) -> Callable[[Any], Any]:
    """`record.a.b`, or None when a link on the way is empty."""
    names = path.split(".")

    def get(record):
        value = record
        for name in names:
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    return get


def _related_str(name: str) -> Callable[[Any], Any]:
    def get(record):
        value = getattr(record, name)
        return str(value) if value is not None else None

    return get


def _all(relation: str, attribute: str = "") -> Callable[[Any], list]:
    """The related items' `attribute`: from the plain list `_listed` prefetched, else from the
    relation's own (prefetched) manager."""
    listed = f"export_{relation}"

    def get(record):
        items = getattr(record, listed, None)
        if items is None:
            items = getattr(record, relation).all()
        return [getattr(item, attribute) if attribute else str(item) for item in items]

    return get


def _listed(relation: str) -> Prefetch:
    # Prefetched into a plain list: Django then skips building a related manager and a
    # queryset for every row, which was half the time of a million-row export.
    return Prefetch(relation, to_attr=f"export_{relation}")


def _primary_employment(attribute: str) -> Callable[[Any], Any]:
    # persons_list prefetches the primary employment (with its company) as `primary_employments`.
    def get(person):
        for employment in person.primary_employments:
            return _attr(attribute)(employment)
        return None

    return get


def _birthday(person) -> Any:
    """The birthday; without a year, "--MM-DD" as Google and vCard write it (the import reads
    it back as month and day)."""
    if person.birthday is not None:
        return person.birthday
    if person.birth_month and person.birth_day:
        return f"--{person.birth_month:02d}-{person.birth_day:02d}"
    return None


def _order_customer(order) -> str | None:
    if order.company_id:
        return order.company.name
    if order.person_id:
        return order.person.full_name
    return None


def _order_person(attribute: str) -> Callable[[Any], Any]:
    # The import finds an order's person by phone or e-mail: the person's primary ones.
    def get(order):
        return (getattr(order.person, attribute) or None) if order.person_id else None

    return get


def _custom_column(definition: CustomFieldDefinition) -> Column:
    key = definition.key
    return Column(
        key=f"{CUSTOM_COLUMN_PREFIX}{key}",
        label=definition.label,
        value=lambda record: record.custom.get(key),
        import_key=f"{IMPORT_CUSTOM_PREFIX}{key}",
    )


def _filter_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v not in ("", None, False, {}, [])}
    return value


def filters_as_data(filters: Any) -> dict:
    """The applied filters, without the empty ones, for the export log."""
    data = dataclasses.asdict(filters) if dataclasses.is_dataclass(filters) else dict(filters)
    return {k: _filter_value(v) for k, v in data.items() if v not in ("", None, False, {}, [])}


@dataclass(frozen=True)
class ExportKind:
    record_type: str
    label: str | Promise
    # The list page's own parser: it reads `.GET` (and `.user` for "mine") of what it is given.
    parse_filters: Callable[[Any], Any]
    # The list page's own selector: `(user, filters)` → the visible rows matching them.
    select: Callable[[User, Any], QuerySet]
    columns: tuple[Column, ...]
    list_url_name: str
    custom_record_type: str = ""
    # What an import of this kind's file is (mapping.TARGETS); "" when there is none.
    import_target: str = ""
    # A record's lines, for the `per_line` columns, and the prefetch they need.
    lines: Callable[[Any], list] | None = None
    lines_prefetch: tuple = ()

    def filters_from(self, user: User, params: QueryDict) -> Any:
        return self.parse_filters(SimpleNamespace(GET=params, user=user))

    def queryset(self, user: User, filters: Any) -> QuerySet:
        return self.select(user, filters)

    def available_columns(self) -> list[Column]:
        """The built-in columns, then the active custom fields of the record type."""
        columns = list(self.columns)
        if self.custom_record_type:
            columns += [_custom_column(d) for d in custom_fields_for(self.custom_record_type)]
        return self._headed(columns)

    def default_columns(self) -> list[Column]:
        return self._headed([c for c in self.columns if c.default])

    def _headed(self, columns: list[Column]) -> list[Column]:
        """The columns with the label of the import field each fills, so that the file maps
        itself when imported (one query, for the custom fields)."""
        if not self.import_target or not any(c.import_key for c in columns):
            return columns
        labels = {f.key: f.label for f in import_fields(self.import_target)}
        return [
            dataclasses.replace(c, label=capfirst(labels[c.import_key]))
            if c.import_key in labels and not c.import_key.startswith(IMPORT_CUSTOM_PREFIX)
            else c
            for c in columns
        ]

    def rows_of(self, record, columns: list[Column]) -> list[list[Any]]:
        """The record's row, or one row per line when a chosen column is a line's."""
        if self.lines is None or not any(c.per_line for c in columns):
            return [[c.value(record) for c in columns]]
        lines = self.lines(record) or [None]
        return [
            [
                (c.value(line) if line is not None else None) if c.per_line else c.value(record)
                for c in columns
            ]
            for line in lines
        ]

    def resolve_columns(self, keys: Iterable[str]) -> list[Column]:
        """The chosen columns in the order given; empty means the defaults.

        An unknown key is refused (400 `unknown_column`) rather than dropped, so an API client
        learns about its typo instead of receiving a file without the column it asked for.
        """
        keys = [k.strip() for k in keys if k and k.strip()]
        if not keys:
            return self.default_columns()
        available = {c.key: c for c in self.available_columns()}
        unknown = [k for k in keys if k not in available]
        if unknown:
            raise ApplicationError(
                "unknown_column",
                _("Unknown column: %(columns)s.") % {"columns": ", ".join(unknown)},
                {"columns": [_("Choose from: %(choices)s.") % {"choices": ", ".join(available)}]},
            )
        return [available[k] for k in dict.fromkeys(keys)]

    def prefetch_for(self, columns: list[Column]) -> list:
        prefetch = [p for c in columns for p in c.prefetch]
        if self.lines is not None and any(c.per_line for c in columns):
            prefetch += self.lines_prefetch
        return list(dict.fromkeys(prefetch))


# The owner by user name, which an import takes; the name people know them by beside it.
_OWNER_TEAM = (
    Column(
        "owner", gettext_lazy("Owner"), _attr("owner.username"), default=True, import_key="owner"
    ),
    Column("owner_name", gettext_lazy("Owner's name"), _related_str("owner"), default=True),
    Column("team", gettext_lazy("Team"), _related_str("team")),
)


# A person's phones, e-mails and addresses go out in a column per label, the import's field for
# that label (its "phone" is a mobile, its "email" a work address), so they come back labelled.
_PHONE_GROUPS = (
    ("phones", ContactLabel.MOBILE, "phone", gettext_lazy("Phones")),
    ("work_phones", ContactLabel.WORK, "work_phone", gettext_lazy("work phone")),
    ("home_phones", ContactLabel.HOME, "home_phone", gettext_lazy("home phone")),
    ("other_phones", ContactLabel.OTHER, "other_phone", gettext_lazy("other phone")),
    ("faxes", ContactLabel.FAX, "fax", gettext_lazy("fax")),
)
_EMAIL_GROUPS = (
    ("emails", ContactLabel.WORK, "email", gettext_lazy("Emails")),
    ("home_emails", ContactLabel.HOME, "home_email", gettext_lazy("home e-mail")),
    ("other_emails", ContactLabel.OTHER, "other_email", gettext_lazy("other e-mail")),
)
# An address's group in the import: its label's, or the main (work) one.
_ADDRESS_PREFIXES = {ContactLabel.HOME: "home_", ContactLabel.OTHER: "other_"}


def _labelled(relation: str, attribute: str, label: str, groups: tuple) -> Callable[[Any], list]:
    """The related items' `attribute` whose label is `label`; labels without a group of their
    own (an e-mail labelled "mobile") go with the first group's."""
    listed = f"export_{relation}"
    own = {group[1] for group in groups}
    first = groups[0][1]

    def get(record):
        return [
            getattr(item, attribute)
            for item in getattr(record, listed)
            if (item.label if item.label in own else first) == label
        ]

    return get


def _contact_columns() -> tuple[Column, ...]:
    phones, emails = (_listed("phones"),), (_listed("emails"),)
    return tuple(
        Column(
            key,
            capfirst(label),
            _labelled("phones", "number", code, _PHONE_GROUPS),
            phones,
            default=True,
            import_key=field,
        )
        for key, code, field, label in _PHONE_GROUPS
    ) + tuple(
        Column(
            key,
            capfirst(label),
            _labelled("emails", "email", code, _EMAIL_GROUPS),
            emails,
            default=True,
            import_key=field,
        )
        for key, code, field, label in _EMAIL_GROUPS
    )


def _address_part(label: str | None, part: str) -> Callable[[Any], Any]:
    """`part` of the record's first address with `label` (None: its first address at all; the
    work label: its first address that is neither home nor other)."""

    def get(record):
        for address in record.export_addresses:
            group = address.label if address.label in _ADDRESS_PREFIXES else ContactLabel.WORK
            if label is None or group == label:
                return getattr(address, part) or None
        return None

    return get


def _address_columns(*, default: bool, label: str | None = None) -> tuple[Column, ...]:
    """The parts of the record's first address (with `label`: of its first with that label,
    under the import's keys for that address, home_street…)."""
    prefetch = (_listed("addresses"),)
    prefix = _ADDRESS_PREFIXES.get(label, "")
    parts = (
        ("country", gettext_lazy("Country")),
        ("province", gettext_lazy("Province")),
        ("city", gettext_lazy("City")),
        ("district", gettext_lazy("District")),
        ("street", gettext_lazy("Street")),
        ("postcode", gettext_lazy("Postcode")),
    )
    return tuple(
        Column(
            f"{prefix}{part}",
            text,
            _address_part(label, part),
            prefetch,
            default=default,
            import_key=f"{prefix}{part}",
        )
        for part, text in parts
    )


_TIMES = (
    Column("created_at", gettext_lazy("Created"), _attr("created_at"), default=True),
    Column("updated_at", gettext_lazy("Updated"), _attr("updated_at")),
)

PERSON_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column(
        "full_name", gettext_lazy("Name"), _attr("full_name"), default=True, import_key="full_name"
    ),
    Column(
        "given_name",
        gettext_lazy("Given name (English)"),
        _attr("given_name"),
        import_key="given_name",
    ),
    Column(
        "middle_name", gettext_lazy("Middle name"), _attr("middle_name"), import_key="middle_name"
    ),
    Column(
        "family_name",
        gettext_lazy("Family name (English)"),
        _attr("family_name"),
        import_key="family_name",
    ),
    Column("nickname", gettext_lazy("Nickname"), _attr("nickname"), import_key="nickname"),
    Column("gender", gettext_lazy("Gender"), _display("gender"), import_key="gender"),
    Column("birthday", gettext_lazy("Birthday"), _birthday, import_key="birthday"),
    *_contact_columns(),
    Column("website", gettext_lazy("Website"), _attr("website"), import_key="website"),
    Column(
        "company",
        gettext_lazy("Company"),
        _primary_employment("company.name"),
        default=True,
        import_key="company",
    ),
    Column(
        "job_title",
        gettext_lazy("Job title"),
        _primary_employment("job_title"),
        import_key="job_title",
    ),
    Column(
        "department",
        gettext_lazy("Department"),
        _primary_employment("department"),
        import_key="department",
    ),
    *_address_columns(default=False, label=ContactLabel.WORK),
    *_address_columns(default=False, label=ContactLabel.HOME),
    *_address_columns(default=False, label=ContactLabel.OTHER),
    Column("tags", gettext_lazy("Tags"), _all("tags", "name"), default=True, import_key="tags"),
    Column(
        "lifecycle_stage",
        gettext_lazy("Lifecycle stage"),
        _display("lifecycle_stage"),
        default=True,
        import_key="lifecycle_stage",
    ),
    Column("source", gettext_lazy("Source"), _display("source"), import_key="source"),
    Column("region", gettext_lazy("Region"), _attr("region"), import_key="region"),
    Column("industry", gettext_lazy("Industry"), _attr("industry"), import_key="industry"),
    *_OWNER_TEAM,
    Column("notes", gettext_lazy("Notes"), _attr("notes"), import_key="notes"),
    Column("preferences", gettext_lazy("Preferences"), _attr("preferences")),
    *_TIMES,
)

COMPANY_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column("name", gettext_lazy("Name"), _attr("name"), default=True, import_key="name"),
    Column(
        "english_name",
        gettext_lazy("English name"),
        _attr("english_name"),
        import_key="english_name",
    ),
    Column("phone", gettext_lazy("Phone"), _attr("phone"), default=True, import_key="phone"),
    Column("email", gettext_lazy("Email"), _attr("email"), default=True, import_key="email"),
    Column("website", gettext_lazy("Website"), _attr("website"), import_key="website"),
    *_address_columns(default=False),
    Column(
        "industry", gettext_lazy("Industry"), _attr("industry"), default=True, import_key="industry"
    ),
    Column("region", gettext_lazy("Region"), _attr("region"), import_key="region"),
    Column("tags", gettext_lazy("Tags"), _all("tags", "name"), default=True, import_key="tags"),
    Column(
        "lifecycle_stage",
        gettext_lazy("Lifecycle stage"),
        _display("lifecycle_stage"),
        default=True,
        import_key="lifecycle_stage",
    ),
    Column("source", gettext_lazy("Source"), _display("source"), import_key="source"),
    *_OWNER_TEAM,
    Column("notes", gettext_lazy("Notes"), _attr("notes"), import_key="notes"),
    *_TIMES,
)

INTERACTION_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column(
        "occurred_at",
        gettext_lazy("Time"),
        _attr("occurred_at"),
        default=True,
        import_key="occurred_at",
    ),
    Column(
        "channel", gettext_lazy("Channel"), _display("channel"), default=True, import_key="channel"
    ),
    Column(
        "direction",
        gettext_lazy("Direction"),
        _display("direction"),
        default=True,
        import_key="direction",
    ),
    Column(
        "subject", gettext_lazy("Subject"), _attr("subject"), default=True, import_key="subject"
    ),
    Column("content", gettext_lazy("Content"), _attr("content"), import_key="content"),
    Column(
        "outcome", gettext_lazy("Outcome"), _attr("outcome"), default=True, import_key="outcome"
    ),
    Column("person", gettext_lazy("Person"), _attr("person.full_name"), default=True),
    # The import finds the customer by phone or e-mail (and company): the person's primary ones.
    Column(
        "person_phone", gettext_lazy("Phone"), _attr("person.primary_phone"), import_key="phone"
    ),
    Column(
        "person_email", gettext_lazy("Email"), _attr("person.primary_email"), import_key="email"
    ),
    Column(
        "company",
        gettext_lazy("Company"),
        _attr("company.name"),
        default=True,
        import_key="company",
    ),
    Column(
        "logged_by",
        gettext_lazy("Logged by"),
        _attr("logged_by.username"),
        default=True,
        import_key="logged_by",
    ),
    Column(
        "logged_by_name", gettext_lazy("Logged by (name)"), _related_str("logged_by"), default=True
    ),
)

LEAD_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column(
        "full_name", gettext_lazy("Name"), _attr("full_name"), default=True, import_key="full_name"
    ),
    Column(
        "company_name",
        gettext_lazy("Company"),
        _attr("company_name"),
        default=True,
        import_key="company",
    ),
    Column("job_title", gettext_lazy("Job title"), _attr("job_title"), import_key="job_title"),
    Column("phone", gettext_lazy("Phone"), _attr("phone"), default=True, import_key="phone"),
    Column("email", gettext_lazy("Email"), _attr("email"), default=True, import_key="email"),
    Column("region", gettext_lazy("Region"), _attr("region"), import_key="region"),
    Column("city", gettext_lazy("City"), _attr("city"), import_key="city"),
    Column("source", gettext_lazy("Source"), _display("source"), default=True, import_key="source"),
    Column("campaign", gettext_lazy("Campaign"), _attr("campaign"), import_key="campaign"),
    Column("budget", gettext_lazy("Budget"), _attr("budget"), import_key="budget"),
    Column("status", gettext_lazy("Status"), _display("status"), default=True, import_key="status"),
    Column("score", gettext_lazy("Score"), _attr("score"), default=True),
    Column("message", gettext_lazy("Message"), _attr("message"), import_key="message"),
    *_OWNER_TEAM,
    *_TIMES,
)

DEAL_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column("title", gettext_lazy("Title"), _attr("title"), default=True),
    Column("pipeline", gettext_lazy("Pipeline"), _attr("pipeline.name")),
    Column("stage", gettext_lazy("Stage"), _attr("stage.name"), default=True),
    Column("status", gettext_lazy("Status"), _display("status"), default=True),
    Column("amount", gettext_lazy("Amount"), _attr("amount"), default=True),
    Column("currency", gettext_lazy("Currency"), _attr("currency"), default=True),
    Column("probability", gettext_lazy("Probability (%)"), _attr("probability")),
    Column(
        "expected_close_date",
        gettext_lazy("Expected close date"),
        _attr("expected_close_date"),
        default=True,
    ),
    Column("priority", gettext_lazy("Priority"), _display("priority")),
    Column("person", gettext_lazy("Person"), _attr("person.full_name"), default=True),
    Column("company", gettext_lazy("Company"), _attr("company.name"), default=True),
    *_OWNER_TEAM,
    Column("closed_at", gettext_lazy("Closed at"), _attr("closed_at")),
    *_TIMES,
)

ORDER_COLUMNS = (
    Column(
        "number",
        gettext_lazy("Order number"),
        _attr("number"),
        default=True,
        import_key="order_ref",
    ),
    Column("customer", pgettext_lazy("export column", "Customer"), _order_customer, default=True),
    Column("person", gettext_lazy("Person"), _attr("person.full_name")),
    Column(
        "person_phone",
        gettext_lazy("Phone"),
        _order_person("primary_phone"),
        default=True,
        import_key="phone",
    ),
    Column(
        "person_email",
        gettext_lazy("Email"),
        _order_person("primary_email"),
        default=True,
        import_key="email",
    ),
    Column(
        "company",
        gettext_lazy("Company"),
        _attr("company.name"),
        default=True,
        import_key="company",
    ),
    Column("status", gettext_lazy("Status"), _display("status"), default=True),
    Column(
        "placed_at",
        gettext_lazy("Placed at"),
        _attr("placed_at"),
        default=True,
        import_key="placed_at",
    ),
    Column(
        "currency", gettext_lazy("Currency"), _attr("currency"), default=True, import_key="currency"
    ),
    Column("subtotal", gettext_lazy("Subtotal"), _attr("subtotal")),
    Column("discount_total", gettext_lazy("Total discount"), _attr("discount_total")),
    Column("total", gettext_lazy("Total"), _attr("total"), default=True),
    Column("paid_amount", gettext_lazy("Paid"), _attr("paid_amount"), default=True),
    *_OWNER_TEAM,
    Column("notes", gettext_lazy("Notes"), _attr("notes")),
    *_TIMES,
    # One row per line when any of these is chosen; the order's columns repeat on each.
    Column(
        "sku",
        gettext_lazy("SKU"),
        _attr("product.sku"),
        default=True,
        import_key="sku",
        per_line=True,
    ),
    Column(
        "description",
        gettext_lazy("Description"),
        _attr("description"),
        default=True,
        import_key="description",
        per_line=True,
    ),
    Column(
        "quantity",
        gettext_lazy("Quantity"),
        _attr("quantity"),
        default=True,
        import_key="quantity",
        per_line=True,
    ),
    Column(
        "unit_price",
        gettext_lazy("Unit price"),
        _attr("unit_price"),
        default=True,
        import_key="unit_price",
        per_line=True,
    ),
    Column(
        "discount",
        gettext_lazy("Discount"),
        _attr("discount"),
        default=True,
        import_key="discount",
        per_line=True,
    ),
    Column(
        "line_total", gettext_lazy("Line total"), _attr("line_total"), default=True, per_line=True
    ),
)


def _order_lines(order) -> list:
    return order.export_lines


# The list pages' own filter parsers (`_filters` in each list view) are reused on purpose: the
# export must narrow exactly as the list the user was looking at.
EXPORT_KINDS: dict[str, ExportKind] = {
    kind.record_type: kind
    for kind in (
        ExportKind(
            record_type=ExportRecordType.PERSONS,
            label=ExportRecordType.PERSONS.label,
            parse_filters=customer_views._filters,
            select=persons_list,
            columns=PERSON_COLUMNS,
            list_url_name="customers:person_list",
            custom_record_type=RecordType.PERSON,
            import_target="persons",
        ),
        ExportKind(
            record_type=ExportRecordType.COMPANIES,
            label=ExportRecordType.COMPANIES.label,
            parse_filters=customer_views._filters,
            select=companies_list,
            columns=COMPANY_COLUMNS,
            list_url_name="customers:company_list",
            custom_record_type=RecordType.COMPANY,
            import_target="companies",
        ),
        ExportKind(
            record_type=ExportRecordType.INTERACTIONS,
            label=ExportRecordType.INTERACTIONS.label,
            parse_filters=activity_views._filters,
            select=lambda user, filters: interactions_list(user, **filters),
            columns=INTERACTION_COLUMNS,
            list_url_name="activities:interaction_list",
            import_target="interactions",
        ),
        ExportKind(
            record_type=ExportRecordType.LEADS,
            label=ExportRecordType.LEADS.label,
            parse_filters=lead_views._filters,
            select=leads_list,
            columns=LEAD_COLUMNS,
            list_url_name="sales:lead_list",
            import_target="leads",
        ),
        ExportKind(
            record_type=ExportRecordType.DEALS,
            label=ExportRecordType.DEALS.label,
            parse_filters=deal_views._filters,
            select=deals_list,
            columns=DEAL_COLUMNS,
            list_url_name="sales:deal_list",
        ),
        ExportKind(
            record_type=ExportRecordType.ORDERS,
            label=ExportRecordType.ORDERS.label,
            parse_filters=order_views._filters,
            select=orders_list,
            columns=ORDER_COLUMNS,
            list_url_name="sales:order_list",
            import_target="orders",
            lines=_order_lines,
            lines_prefetch=(
                Prefetch(
                    "lines",
                    queryset=OrderLine.objects.select_related("product"),
                    to_attr="export_lines",
                ),
            ),
        ),
    )
}


def get_export_kind(record_type: str) -> ExportKind:
    kind = EXPORT_KINDS.get(record_type)
    if kind is None:
        raise NotFound(_("There is no such export."))
    return kind
