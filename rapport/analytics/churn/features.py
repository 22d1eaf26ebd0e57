"""Each customer's features as of a cutoff, and whether they churned after it.

Every source is read in one grouped query per customer kind (orders by person, orders of
companies without a person, ...), never a query per customer; pandas joins the pieces. A customer
is a person, or a company for what was recorded for the company alone (the rule of
`accounts.access.linked_records_q`). In the frames a customer is one integer key: a person's id,
or minus a company's id.

Only what happened at or before the cutoff is read, so features at a past cutoff are what the
model would have seen then (region, lifecycle stage and custom fields are today's: they keep no
history).
"""

import datetime
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Avg, Count, F, Max, Min, Q, Sum

from rapport.activities.models import Interaction
from rapport.customers.models import (
    Company,
    CustomFieldDefinition,
    CustomFieldType,
    LifecycleStage,
    Person,
)
from rapport.messaging.models import Message
from rapport.sales.models.orders import Order, OrderStatus
from rapport.sales.selectors.money import RateBook
from rapport.service.models import Ticket, TicketType
from rapport.surveys.models import Response, SurveyKind

DAY = datetime.timedelta(days=1)
QUARTER = 90 * DAY
MAX_REGIONS = 10
MAX_CHOICE_COLUMNS = 20
MAX_VALUES_PER_CHOICE = 5

NUMERIC_FEATURES = [
    "recency_days",
    "frequency",
    "money",
    "spend_90",
    "spend_prev_90",
    "spend_trend",
    "orders_365",
    "typical_gap_days",
    "overdue_ratio",
    "tenure_days",
    "interactions_90",
    "interaction_recency_days",
    "tickets_90",
    "complaints_90",
    "tickets_365",
    "csat_mean",
    "nps_mean",
    "emails_90",
    "opens_90",
    "clicks_90",
    "is_company",
]


@dataclass
class CustomerTable:
    """Today's descriptive columns of every customer (key-indexed), and the one-hot columns
    chosen from them, the same at every cutoff so that a model fits them all."""

    frame: pd.DataFrame
    regions: list[str] = field(default_factory=list)
    # [(column, field key, field label, choice value)]
    choices: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return (
            NUMERIC_FEATURES
            + [f"region_{i}" for i in range(len(self.regions))]
            + [c[0] for c in self.choices]
        )


def _key_frame(rows, columns: list[str], *, company: bool) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    if company:
        frame["key"] = -frame["key"]
    return frame


def _fetch(queryset) -> list[tuple]:
    """The rows of a grouped `values_list` query as the database driver gives them, without
    Django's converters: SQLite's times stay ISO text, which pandas parses a column at a time;
    converting each value in Python was a third of reading the features (docs/benchmarks.md,
    "Churn model"). Sums are made floats afterwards either way."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _by_customer(queryset, aggregates: dict, *, person_field="person", company_field="company"):
    """`aggregates` grouped by customer: persons, then companies for rows without a person."""
    names = list(aggregates)
    frames = []
    if person_field:
        rows = (
            queryset.filter(**{f"{person_field}__isnull": False})
            .values(f"{person_field}_id")
            .order_by()
            .annotate(**aggregates)
            .values_list(f"{person_field}_id", *names)
        )
        frames.append(_key_frame(_fetch(rows), ["key", *names], company=False))
    if company_field:
        filters = {f"{company_field}__isnull": False}
        if person_field:
            filters[f"{person_field}__isnull"] = True
        rows = (
            queryset.filter(**filters)
            .values(f"{company_field}_id")
            .order_by()
            .annotate(**aggregates)
            .values_list(f"{company_field}_id", *names)
        )
        frames.append(_key_frame(_fetch(rows), ["key", *names], company=True))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=names, index=pd.Index([], name="key"))
    return pd.concat(frames).set_index("key")


def counted_orders():
    """The orders that count: cancelled and returned ones are no revenue and no purchase."""
    return Order.objects.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.RETURNED])


def customer_table(label_field_key: str = "") -> CustomerTable:
    """Every person and company with their owner, region, stage and custom values."""
    person_rows = Person.objects.values_list(
        "id", "owner_id", "region", "lifecycle_stage", "custom"
    ).order_by()
    company_rows = Company.objects.values_list(
        "id", "owner_id", "region", "lifecycle_stage", "custom"
    ).order_by()
    columns = ["key", "owner_id", "region", "lifecycle_stage", "custom"]
    frame = pd.concat(
        [
            _key_frame(person_rows, columns, company=False),
            _key_frame(company_rows, columns, company=True),
        ]
    ).set_index("key")
    frame["is_company"] = (frame.index < 0).astype(float)
    frame["lost"] = frame["lifecycle_stage"] == LifecycleStage.LOST
    customs = frame["custom"]
    if label_field_key:
        frame["label_field"] = customs.map(
            lambda c: bool(c.get(label_field_key)) if isinstance(c, dict) else False
        )
    else:
        frame["label_field"] = False

    regions = [
        r for r in frame["region"].value_counts().index.tolist() if r and isinstance(r, str)
    ][:MAX_REGIONS]
    for i, region in enumerate(regions):
        frame[f"region_{i}"] = (frame["region"] == region).astype(float)

    choices: list[tuple[str, str, str, str]] = []
    definitions = CustomFieldDefinition.objects.filter(
        field_type=CustomFieldType.CHOICE, is_active=True
    ).exclude(key=label_field_key or None)
    for definition in definitions:
        values = customs.map(
            lambda c, key=definition.key: c.get(key) if isinstance(c, dict) else None
        )
        for value in values.value_counts().index.tolist()[:MAX_VALUES_PER_CHOICE]:
            if len(choices) >= MAX_CHOICE_COLUMNS or not isinstance(value, str) or not value:
                continue
            column = f"choice_{len(choices)}"
            frame[column] = (values == value).astype(float)
            choices.append((column, definition.key, definition.label, value))
    frame = frame.drop(columns=["custom"])
    return CustomerTable(frame=frame, regions=regions, choices=choices)


def _days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 86400.0


def features_as_of(table: CustomerTable, cutoff: datetime.datetime) -> pd.DataFrame:
    """The features of every customer with a counted order at or before `cutoff` (the others
    cannot churn yet), indexed by customer key, in `table.columns` order plus `owner_id`."""
    orders = counted_orders().filter(placed_at__lte=cutoff)
    value = F("total") - F("credited_amount")
    recent = Q(placed_at__gt=cutoff - QUARTER)
    before = Q(placed_at__gt=cutoff - 2 * QUARTER, placed_at__lte=cutoff - QUARTER)
    year = Q(placed_at__gt=cutoff - 365 * DAY)
    by_currency = []
    rates = RateBook(cutoff.date())
    for currency in orders.values_list("currency", flat=True).order_by().distinct():
        part = _by_customer(
            orders.filter(currency=currency),
            {
                "first": Min("placed_at"),
                "last": Max("placed_at"),
                "n": Count("id"),
                "n_365": Count("id", filter=year),
                "money": Sum(value),
                "spend_90": Sum(value, filter=recent),
                "spend_prev_90": Sum(value, filter=before),
            },
        )
        used = rates.rate(currency)
        factor = 1.0 if used is None else float(used.rate)
        if currency != rates.currency and used is None:
            factor = 1.0  # no rate: count it at face value rather than drop the purchase
        for column in ("money", "spend_90", "spend_prev_90"):
            part[column] = part[column].astype(float).fillna(0.0) * factor
        by_currency.append(part)
    if not by_currency:
        return pd.DataFrame(columns=[*table.columns, "owner_id"], index=pd.Index([], name="key"))
    raw = pd.concat(by_currency)
    for column in ("first", "last"):
        raw[column] = pd.to_datetime(raw[column], utc=True, format="ISO8601")
    grouped = raw.groupby(level=0).agg(
        first=("first", "min"),
        last=("last", "max"),
        n=("n", "sum"),
        n_365=("n_365", "sum"),
        money=("money", "sum"),
        spend_90=("spend_90", "sum"),
        spend_prev_90=("spend_prev_90", "sum"),
    )
    at = pd.Timestamp(cutoff).tz_convert("UTC")
    out = pd.DataFrame(index=grouped.index)
    out["recency_days"] = _days(at - grouped["last"])
    out["frequency"] = grouped["n"].astype(float)
    out["money"] = grouped["money"]
    out["spend_90"] = grouped["spend_90"]
    out["spend_prev_90"] = grouped["spend_prev_90"]
    out["spend_trend"] = grouped["spend_90"] - grouped["spend_prev_90"]
    out["orders_365"] = grouped["n_365"].astype(float)
    span = _days(grouped["last"] - grouped["first"])
    gaps = grouped["n"] - 1
    out["typical_gap_days"] = np.where(gaps > 0, span / gaps.clip(lower=1), np.nan)
    out["overdue_ratio"] = out["recency_days"] / out["typical_gap_days"].clip(lower=1)
    out["tenure_days"] = _days(at - grouped["first"])

    interactions = _by_customer(
        Interaction.objects.filter(occurred_at__lte=cutoff),
        {
            "interactions_90": Count("id", filter=Q(occurred_at__gt=cutoff - QUARTER)),
            "last_interaction": Max("occurred_at"),
        },
    )
    out = out.join(interactions, how="left")
    out["interactions_90"] = out["interactions_90"].astype(float).fillna(0.0)
    last = pd.to_datetime(out.pop("last_interaction"), utc=True, format="ISO8601")
    out["interaction_recency_days"] = _days(at - last)

    tickets = _by_customer(
        Ticket.objects.filter(created_at__lte=cutoff, created_at__gt=cutoff - 365 * DAY),
        {
            "tickets_90": Count("id", filter=Q(created_at__gt=cutoff - QUARTER)),
            "complaints_90": Count(
                "id", filter=Q(created_at__gt=cutoff - QUARTER, type=TicketType.COMPLAINT)
            ),
            "tickets_365": Count("id"),
        },
    )
    out = out.join(tickets, how="left")
    for column in ("tickets_90", "complaints_90", "tickets_365"):
        out[column] = out[column].astype(float).fillna(0.0)

    answers = _by_customer(
        Response.objects.filter(answered_at__lte=cutoff, answered_at__gt=cutoff - 365 * DAY),
        {
            "csat_mean": Avg("score", filter=Q(kind=SurveyKind.CSAT)),
            "nps_mean": Avg("score", filter=Q(kind=SurveyKind.NPS)),
        },
        company_field="",
    )
    out = out.join(answers.astype(float), how="left")

    mail = _by_customer(
        Message.objects.filter(sent_at__lte=cutoff, sent_at__gt=cutoff - QUARTER),
        {
            "emails_90": Count("id"),
            "opens_90": Count("id", filter=Q(first_opened_at__lte=cutoff)),
            "clicks_90": Count("id", filter=Q(first_clicked_at__lte=cutoff)),
        },
        company_field="",
    )
    out = out.join(mail, how="left")
    for column in ("emails_90", "opens_90", "clicks_90"):
        out[column] = out[column].astype(float).fillna(0.0)

    static = table.frame
    out = out.join(static.drop(columns=["region", "lifecycle_stage"]), how="inner")
    return out[[*table.columns, "owner_id", "lost", "label_field"]]


def churned_after(
    table: CustomerTable,
    keys: pd.Index,
    cutoff: datetime.datetime,
    horizon: datetime.timedelta,
    *,
    observed_by: datetime.datetime | None = None,
    lost_stage_counts: bool = True,
) -> pd.Series:
    """Whether each customer of `keys` churned after `cutoff`: no counted order within the
    horizon; or, when settings say so, now in the stage "Lost" with no order since the cutoff;
    or marked yes in the administrator's historical label field."""
    end = observed_by or cutoff + horizon
    next_order = _by_customer(
        counted_orders().filter(placed_at__gt=cutoff, placed_at__lte=end),
        {"next_order": Min("placed_at")},
    )
    first_next = pd.to_datetime(next_order["next_order"], utc=True, format="ISO8601").reindex(keys)
    limit = pd.Timestamp(cutoff + horizon).tz_convert("UTC")
    ordered_in_time = first_next.notna() & (first_next <= limit)
    churned = ~ordered_in_time
    static = table.frame.reindex(keys)
    if lost_stage_counts:
        churned |= static["lost"].fillna(False).astype(bool) & first_next.isna()
    churned |= static["label_field"].fillna(False).astype(bool)
    return churned.astype(int)
