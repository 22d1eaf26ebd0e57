"""The nine subjects of the report builder, each read through the selector that decides who may
see its records (registered from `AnalyticsReportsConfig.ready()`).

A customer's province is its `region` (the person's services fill it from the first address's
province); its city is the city of its first address. An order, a payment or a line belongs to
the order's person, or to its company when it has no person; "distinct customers" counts
persons as positive and companies as negative numbers, so that the two never collide.
"""

from collections.abc import Iterable

from django.db.models import Case, CharField, DecimalField, F, OuterRef, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.accounts.models import Team, User
from rapport.activities.models import Interaction
from rapport.activities.selectors import interactions_visible_to
from rapport.analytics.facts.province import order_province
from rapport.analytics.reports.engine import (
    Amount,
    DateDimension,
    Dimension,
    Subject,
    register_subject,
)
from rapport.analytics.value.models import CustomerValue
from rapport.customers.models import (
    Address,
    Company,
    CustomFieldDefinition,
    CustomFieldType,
    LifecycleStage,
    Person,
    RecordType,
    SourceChannel,
)
from rapport.customers.selectors import companies_visible_to, persons_visible_to
from rapport.sales.models import Deal, Lead, Order, OrderLine, Payment, Product, Stage
from rapport.sales.selectors.deals import deals_visible_to
from rapport.sales.selectors.leads import leads_visible_to
from rapport.sales.selectors.orders import (
    CLOSED_STATUSES,
    orders_visible_to,
    payments_visible_to,
)
from rapport.service.models import Ticket, TicketCategory
from rapport.service.selectors import tickets_visible_to


def _choices(model, field_name: str):
    return lambda: [(k, v) for k, v in model._meta.get_field(field_name).flatchoices]


def _users(ids: Iterable) -> dict:
    return {u.pk: str(u) for u in User.objects.filter(pk__in=list(ids))}


def _teams(ids: Iterable) -> dict:
    return {t.pk: t.name for t in Team.objects.filter(pk__in=list(ids))}


def _products(ids: Iterable) -> dict:
    return {p.pk: p.name for p in Product.objects.filter(pk__in=list(ids))}


def _stages(ids: Iterable) -> dict:
    return {
        s.pk: f"{s.pipeline.name} › {s.name}"
        for s in Stage.objects.filter(pk__in=list(ids)).select_related("pipeline")
    }


def _categories(ids: Iterable) -> dict:
    return {c.pk: str(c) for c in TicketCategory.objects.filter(pk__in=list(ids))}


def _customers(keys: Iterable) -> dict:
    """Names of customer keys: a person's id, or minus a company's id."""
    keys = list(keys)
    persons = Person.objects.filter(pk__in=[k for k in keys if k > 0])
    companies = Company.objects.filter(pk__in=[-k for k in keys if k < 0])
    found = {p.pk: p.full_name for p in persons.only("full_name")}
    found.update({-c.pk: c.name for c in companies.only("name")})
    return found


def customer_key(prefix: str = "") -> Coalesce:
    """Which customer a row belongs to: its person's id, else minus its company's."""
    return Coalesce(F(f"{prefix}person_id"), -F(f"{prefix}company_id"))


def _first_city(owner: str, outer: str) -> Subquery:
    return Subquery(
        Address.objects.filter(**{owner: OuterRef(outer)})
        .exclude(city="")
        .order_by("id")
        .values("city")[:1]
    )


def _customer_field(prefix: str, name: str) -> Coalesce:
    """A customer record's field for a row with a person and/or a company: the person's, or
    the company's when the person has none."""
    return Coalesce(
        NullIf(F(f"{prefix}person__{name}"), Value("")),
        NullIf(F(f"{prefix}company__{name}"), Value("")),
        Value(""),
        output_field=CharField(),
    )


def _customer_city(prefix: str) -> Coalesce:
    return Coalesce(
        _first_city("person", f"{prefix}person_id"),
        _first_city("company", f"{prefix}company_id"),
        Value(""),
        output_field=CharField(),
    )


def _value_of(prefix: str, field: str) -> Case:
    """The customer's figure kept by the customer value app (its tier, its segment): the
    person's, or the company's for a row without a person; "" before it is computed."""
    by_person = CustomerValue.objects.filter(person_id=OuterRef(f"{prefix}person_id"))
    by_company = CustomerValue.objects.filter(company_id=OuterRef(f"{prefix}company_id"))
    return Case(
        When(
            **{f"{prefix}person_id__isnull": False},
            then=Subquery(by_person.values(field)[:1]),
        ),
        default=Subquery(by_company.values(field)[:1]),
        output_field=CharField(),
    )


def _value_dimensions(tier, segment) -> tuple[Dimension, ...]:
    return (
        Dimension("tier", _("Value tier"), tier, choices=_choices(CustomerValue, "tier")),
        Dimension(
            "segment", _("Value segment"), segment, choices=_choices(CustomerValue, "segment")
        ),
    )


def _customer_dimensions(prefix: str) -> tuple[Dimension, ...]:
    """What a row that belongs to a customer is grouped by through that customer."""
    return (
        *_value_dimensions(_value_of(prefix, "tier"), _value_of(prefix, "segment")),
        Dimension("customer", _("Customer"), customer_key(prefix), labels=_customers, integer=True),
        Dimension("province", _("Province"), order_province(prefix)),
        Dimension("city", _("City"), _customer_city(prefix)),
        Dimension(
            "source",
            _("Source channel"),
            _customer_field(prefix, "source"),
            choices=lambda: list(SourceChannel.choices),
        ),
        Dimension(
            "lifecycle",
            _("Lifecycle stage"),
            _customer_field(prefix, "lifecycle_stage"),
            choices=lambda: list(LifecycleStage.choices),
        ),
    )


def _ownership(prefix: str = "") -> tuple[Dimension, ...]:
    return (
        Dimension("owner", _("Owner"), f"{prefix}owner_id", labels=_users, integer=True),
        Dimension("team", _("Team"), f"{prefix}team_id", labels=_teams, integer=True),
    )


def custom_field_dimensions(record_type: str, prefix: str = "") -> list[Dimension]:
    """The active choice-type custom fields of persons or companies, as dimensions (read each
    time a subject is asked for: administrators add fields at any time)."""
    found = []
    definitions = CustomFieldDefinition.objects.filter(
        record_type=record_type, field_type=CustomFieldType.CHOICE, is_active=True
    )
    for definition in definitions:
        choices = [(str(c), str(c)) for c in definition.choices or []]
        found.append(
            Dimension(
                f"custom.{definition.key}",
                definition.label,
                KeyTextTransform(definition.key, f"{prefix}custom"),
                choices=lambda choices=choices: choices,
            )
        )
    return found


# What an order is worth (`Order.net_value`): its total less credits while open; what it kept
# once cancelled or returned.
ORDER_REVENUE = Case(
    When(status__in=CLOSED_STATUSES, then=F("paid_amount")),
    default=F("total") - F("credited_amount"),
    output_field=DecimalField(max_digits=14, decimal_places=2),
)


def _orders() -> Subject:
    return Subject(
        key="orders",
        label=_("Orders"),
        base=orders_visible_to,
        count_label=_("Number of orders"),
        customer=customer_key(),
        extra=lambda: custom_field_dimensions(RecordType.PERSON, "person__"),
        dates=(
            DateDimension("placed_at", _("Placed")),
            DateDimension("paid_at", pgettext_lazy("order date", "Paid")),
        ),
        dimensions=(
            Dimension("status", _("Status"), "status", choices=_choices(Order, "status")),
            *_ownership(),
            *_customer_dimensions(""),
            Dimension("currency", _("Currency"), "currency"),
        ),
        amounts=(
            Amount("revenue", _("revenue"), currency="currency", computed=ORDER_REVENUE),
            Amount("total", _("order total"), path="total", currency="currency"),
            Amount("paid_amount", _("amount paid"), path="paid_amount", currency="currency"),
            Amount(
                "credited_amount",
                _("amount credited"),
                path="credited_amount",
                currency="currency",
            ),
        ),
    )


def _order_lines() -> Subject:
    return Subject(
        key="order_lines",
        label=_("Order lines"),
        base=lambda user: OrderLine.objects.filter(order__in=orders_visible_to(user)),
        count_label=_("Number of lines"),
        customer=customer_key("order__"),
        dates=(DateDimension("order_placed_at", _("Placed"), path="order__placed_at"),),
        dimensions=(
            Dimension("product", _("Product"), "product_id", labels=_products, integer=True),
            Dimension(
                "category",
                _("Product category"),
                Coalesce(F("product__category"), Value(""), output_field=CharField()),
            ),
            Dimension(
                "status", _("Order status"), "order__status", choices=_choices(Order, "status")
            ),
            *_ownership("order__"),
            *_customer_dimensions("order__"),
        ),
        amounts=(
            Amount("line_total", _("line total"), path="line_total", currency="order__currency"),
            Amount("quantity", _("quantity"), path="quantity", aggregates=("sum", "avg")),
        ),
    )


def _payments() -> Subject:
    return Subject(
        key="payments",
        label=_("Payments"),
        base=payments_visible_to,
        count_label=_("Number of payments"),
        customer=customer_key("order__"),
        dates=(DateDimension("paid_at", pgettext_lazy("payment date", "Paid")),),
        dimensions=(
            Dimension("method", _("Method"), "method", choices=_choices(Payment, "method")),
            *_ownership("order__"),
            *_customer_dimensions("order__"),
        ),
        amounts=(
            Amount("amount", _("amount"), path="amount", currency="order__currency"),
            Amount(
                "refunded_amount",
                _("amount refunded"),
                path="refunded_amount",
                currency="order__currency",
            ),
        ),
    )


def _deals() -> Subject:
    return Subject(
        key="deals",
        label=_("Deals"),
        base=deals_visible_to,
        count_label=_("Number of deals"),
        customer=customer_key(),
        dates=(
            DateDimension("created_at", _("Created")),
            DateDimension("closed_at", _("Closed")),
            DateDimension(
                "expected_close_date",
                _("Expected close"),
                is_datetime=False,
            ),
        ),
        dimensions=(
            Dimension("stage", _("Stage"), "stage_id", labels=_stages, integer=True),
            Dimension("status", _("Status"), "status", choices=_choices(Deal, "status")),
            *_ownership(),
            *_customer_dimensions(""),
        ),
        amounts=(
            Amount("amount", _("deal amount"), path="amount", currency="currency"),
            Amount(
                "cycle",
                _("sales cycle"),
                duration=("created_at", "closed_at"),
                unit="days",
                aggregates=("avg", "median"),
            ),
        ),
    )


def _leads() -> Subject:
    return Subject(
        key="leads",
        label=_("Leads"),
        base=leads_visible_to,
        count_label=_("Number of leads"),
        dates=(
            DateDimension("created_at", _("Created")),
            DateDimension("converted_at", _("Converted")),
        ),
        dimensions=(
            Dimension("status", _("Status"), "status", choices=_choices(Lead, "status")),
            Dimension("source", _("Source channel"), "source", choices=_choices(Lead, "source")),
            Dimension("province", _("Province"), "region"),
            Dimension("city", _("City"), "city"),
            Dimension(
                "product",
                _("Product of interest"),
                "product_interest_id",
                labels=_products,
                integer=True,
            ),
            *_ownership(),
        ),
        amounts=(
            Amount(
                "conversion",
                _("time to convert"),
                duration=("created_at", "converted_at"),
                unit="days",
                aggregates=("avg", "median"),
            ),
        ),
    )


def _interactions() -> Subject:
    return Subject(
        key="interactions",
        label=_("Interactions"),
        base=interactions_visible_to,
        count_label=_("Number of interactions"),
        customer=customer_key(),
        dates=(DateDimension("occurred_at", _("Occurred")),),
        dimensions=(
            Dimension("channel", _("Channel"), "channel", choices=_choices(Interaction, "channel")),
            Dimension(
                "direction",
                _("Direction"),
                "direction",
                choices=_choices(Interaction, "direction"),
            ),
            Dimension("logged_by", _("Logged by"), "logged_by_id", labels=_users, integer=True),
            *_customer_dimensions(""),
        ),
    )


def _tickets() -> Subject:
    return Subject(
        key="tickets",
        label=_("Tickets"),
        base=tickets_visible_to,
        count_label=_("Number of tickets"),
        customer=customer_key(),
        dates=(
            DateDimension("created_at", _("Opened")),
            DateDimension("resolved_at", _("Resolved")),
        ),
        dimensions=(
            Dimension("status", _("Status"), "status", choices=_choices(Ticket, "status")),
            Dimension("type", _("Type"), "type", choices=_choices(Ticket, "type")),
            Dimension("priority", _("Priority"), "priority", choices=_choices(Ticket, "priority")),
            Dimension("channel", _("Channel"), "channel", choices=_choices(Ticket, "channel")),
            Dimension("category", _("Category"), "category_id", labels=_categories, integer=True),
            Dimension("product", _("Product"), "product_id", labels=_products, integer=True),
            Dimension("owner", _("Assignee"), "assignee_id", labels=_users, integer=True),
            Dimension("team", _("Team"), "team_id", labels=_teams, integer=True),
            *_customer_dimensions(""),
        ),
        amounts=(
            Amount(
                "first_response",
                _("first response time"),
                duration=("created_at", "first_responded_at"),
                unit="hours",
                aggregates=("avg", "median"),
            ),
            Amount(
                "resolution",
                _("resolution time"),
                duration=("created_at", "resolved_at"),
                unit="hours",
                aggregates=("avg", "median"),
            ),
        ),
    )


def _own_value(model, field: str) -> Subquery:
    owner = "person_id" if model is Person else "company_id"
    return Subquery(
        CustomerValue.objects.filter(**{owner: OuterRef("pk")}).values(field)[:1],
        output_field=CharField(),
    )


def _customer_records(key, label, base, count_label, model) -> Subject:
    return Subject(
        key=key,
        label=label,
        base=base,
        count_label=count_label,
        extra=lambda: custom_field_dimensions(
            RecordType.PERSON if model is Person else RecordType.COMPANY
        ),
        dates=(DateDimension("created_at", _("Created")),),
        dimensions=(
            Dimension("province", _("Province"), "region"),
            Dimension(
                "city",
                _("City"),
                Coalesce(
                    _first_city("person" if model is Person else "company", "pk"),
                    Value(""),
                    output_field=CharField(),
                ),
            ),
            Dimension(
                "source", _("Source channel"), "source", choices=lambda: list(SourceChannel.choices)
            ),
            Dimension(
                "lifecycle",
                _("Lifecycle stage"),
                "lifecycle_stage",
                choices=lambda: list(LifecycleStage.choices),
            ),
            Dimension("industry", _("Industry"), "industry"),
            *_value_dimensions(_own_value(model, "tier"), _own_value(model, "segment")),
            *_ownership(),
        ),
    )


def register_subjects() -> None:
    for subject in (
        _orders(),
        _order_lines(),
        _payments(),
        _deals(),
        _leads(),
        _interactions(),
        _tickets(),
        _customer_records(
            "persons", _("Persons"), persons_visible_to, _("Number of persons"), Person
        ),
        _customer_records(
            "companies", _("Companies"), companies_visible_to, _("Number of companies"), Company
        ),
    ):
        register_subject(subject)
