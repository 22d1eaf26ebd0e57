"""What can be exported: one `ExportKind` per list page, with the columns a user may choose.

Each kind reuses its list page's own filter parsing and selector, so an export holds exactly
the rows that list shows with the same filters, under the one visibility rule. Rows are
written in id order (see `selectors.exports.export_chunks`), not in the list's sort order.
"""

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities import views as activity_views
from rapport.activities.selectors import interactions_list
from rapport.core.errors import ApplicationError, NotFound
from rapport.customers import views as customer_views
from rapport.customers.models import CustomFieldDefinition, RecordType
from rapport.customers.selectors import companies_list, custom_fields_for, persons_list
from rapport.dataio.models import ExportRecordType
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


def _order_customer(order) -> str | None:
    if order.company_id:
        return order.company.name
    if order.person_id:
        return order.person.full_name
    return None


def _custom_column(definition: CustomFieldDefinition) -> Column:
    key = definition.key
    return Column(
        key=f"{CUSTOM_COLUMN_PREFIX}{key}",
        label=definition.label,
        value=lambda record: record.custom.get(key),
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

    def filters_from(self, user: User, params: QueryDict) -> Any:
        return self.parse_filters(SimpleNamespace(GET=params, user=user))

    def queryset(self, user: User, filters: Any) -> QuerySet:
        return self.select(user, filters)

    def available_columns(self) -> list[Column]:
        """The built-in columns, then the active custom fields of the record type."""
        columns = list(self.columns)
        if self.custom_record_type:
            columns += [_custom_column(d) for d in custom_fields_for(self.custom_record_type)]
        return columns

    def default_columns(self) -> list[Column]:
        return [c for c in self.columns if c.default]

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


_OWNER_TEAM = (
    Column("owner", gettext_lazy("Owner"), _related_str("owner"), default=True),
    Column("team", gettext_lazy("Team"), _related_str("team")),
)
_TIMES = (
    Column("created_at", gettext_lazy("Created"), _attr("created_at"), default=True),
    Column("updated_at", gettext_lazy("Updated"), _attr("updated_at")),
)

PERSON_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column("full_name", gettext_lazy("Name"), _attr("full_name"), default=True),
    Column("given_name", gettext_lazy("Given name (English)"), _attr("given_name")),
    Column("family_name", gettext_lazy("Family name (English)"), _attr("family_name")),
    Column("gender", gettext_lazy("Gender"), _display("gender")),
    Column("birthday", gettext_lazy("Birthday"), _attr("birthday")),
    Column(
        "phones",
        gettext_lazy("Phones"),
        _all("phones", "number"),
        (_listed("phones"),),
        default=True,
    ),
    Column(
        "emails",
        gettext_lazy("Emails"),
        _all("emails", "email"),
        (_listed("emails"),),
        default=True,
    ),
    Column("company", gettext_lazy("Company"), _primary_employment("company.name"), default=True),
    Column("job_title", gettext_lazy("Job title"), _primary_employment("job_title")),
    Column("tags", gettext_lazy("Tags"), _all("tags", "name"), default=True),
    Column(
        "lifecycle_stage",
        gettext_lazy("Lifecycle stage"),
        _display("lifecycle_stage"),
        default=True,
    ),
    Column("source", gettext_lazy("Source"), _display("source")),
    Column("region", gettext_lazy("Region"), _attr("region")),
    Column("industry", gettext_lazy("Industry"), _attr("industry")),
    *_OWNER_TEAM,
    Column("notes", gettext_lazy("Notes"), _attr("notes")),
    Column("preferences", gettext_lazy("Preferences"), _attr("preferences")),
    *_TIMES,
)

COMPANY_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column("name", gettext_lazy("Name"), _attr("name"), default=True),
    Column("english_name", gettext_lazy("English name"), _attr("english_name")),
    Column("phone", gettext_lazy("Phone"), _attr("phone"), default=True),
    Column("email", gettext_lazy("Email"), _attr("email"), default=True),
    Column("website", gettext_lazy("Website"), _attr("website")),
    Column("industry", gettext_lazy("Industry"), _attr("industry"), default=True),
    Column("region", gettext_lazy("Region"), _attr("region")),
    Column("tags", gettext_lazy("Tags"), _all("tags", "name"), default=True),
    Column(
        "lifecycle_stage",
        gettext_lazy("Lifecycle stage"),
        _display("lifecycle_stage"),
        default=True,
    ),
    Column("source", gettext_lazy("Source"), _display("source")),
    *_OWNER_TEAM,
    Column("notes", gettext_lazy("Notes"), _attr("notes")),
    *_TIMES,
)

INTERACTION_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column("occurred_at", gettext_lazy("Time"), _attr("occurred_at"), default=True),
    Column("channel", gettext_lazy("Channel"), _display("channel"), default=True),
    Column("direction", gettext_lazy("Direction"), _display("direction"), default=True),
    Column("subject", gettext_lazy("Subject"), _attr("subject"), default=True),
    Column("content", gettext_lazy("Content"), _attr("content")),
    Column("outcome", gettext_lazy("Outcome"), _attr("outcome"), default=True),
    Column("person", gettext_lazy("Person"), _attr("person.full_name"), default=True),
    Column("company", gettext_lazy("Company"), _attr("company.name"), default=True),
    Column("logged_by", gettext_lazy("Logged by"), _related_str("logged_by"), default=True),
)

LEAD_COLUMNS = (
    Column("id", gettext_lazy("ID"), _attr("pk")),
    Column("full_name", gettext_lazy("Name"), _attr("full_name"), default=True),
    Column("company_name", gettext_lazy("Company"), _attr("company_name"), default=True),
    Column("job_title", gettext_lazy("Job title"), _attr("job_title")),
    Column("phone", gettext_lazy("Phone"), _attr("phone"), default=True),
    Column("email", gettext_lazy("Email"), _attr("email"), default=True),
    Column("region", gettext_lazy("Region"), _attr("region")),
    Column("city", gettext_lazy("City"), _attr("city")),
    Column("source", gettext_lazy("Source"), _display("source"), default=True),
    Column("campaign", gettext_lazy("Campaign"), _attr("campaign")),
    Column("budget", gettext_lazy("Budget"), _attr("budget")),
    Column("status", gettext_lazy("Status"), _display("status"), default=True),
    Column("score", gettext_lazy("Score"), _attr("score"), default=True),
    Column("message", gettext_lazy("Message"), _attr("message")),
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
    Column("number", gettext_lazy("Order number"), _attr("number"), default=True),
    Column("customer", pgettext_lazy("export column", "Customer"), _order_customer, default=True),
    Column("person", gettext_lazy("Person"), _attr("person.full_name")),
    Column("company", gettext_lazy("Company"), _attr("company.name")),
    Column("status", gettext_lazy("Status"), _display("status"), default=True),
    Column("placed_at", gettext_lazy("Placed at"), _attr("placed_at"), default=True),
    Column("currency", gettext_lazy("Currency"), _attr("currency"), default=True),
    Column("subtotal", gettext_lazy("Subtotal"), _attr("subtotal")),
    Column("discount_total", gettext_lazy("Discount"), _attr("discount_total")),
    Column("total", gettext_lazy("Total"), _attr("total"), default=True),
    Column("paid_amount", gettext_lazy("Paid"), _attr("paid_amount"), default=True),
    *_OWNER_TEAM,
    Column("notes", gettext_lazy("Notes"), _attr("notes")),
    *_TIMES,
)


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
        ),
        ExportKind(
            record_type=ExportRecordType.COMPANIES,
            label=ExportRecordType.COMPANIES.label,
            parse_filters=customer_views._filters,
            select=companies_list,
            columns=COMPANY_COLUMNS,
            list_url_name="customers:company_list",
            custom_record_type=RecordType.COMPANY,
        ),
        ExportKind(
            record_type=ExportRecordType.INTERACTIONS,
            label=ExportRecordType.INTERACTIONS.label,
            parse_filters=activity_views._filters,
            select=lambda user, filters: interactions_list(user, **filters),
            columns=INTERACTION_COLUMNS,
            list_url_name="activities:interaction_list",
        ),
        ExportKind(
            record_type=ExportRecordType.LEADS,
            label=ExportRecordType.LEADS.label,
            parse_filters=lead_views._filters,
            select=leads_list,
            columns=LEAD_COLUMNS,
            list_url_name="sales:lead_list",
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
        ),
    )
}


def get_export_kind(record_type: str) -> ExportKind:
    kind = EXPORT_KINDS.get(record_type)
    if kind is None:
        raise NotFound(_("There is no such export."))
    return kind
