"""The trigger types rules offer, registered from `AutomationConfig.ready()`.

Record triggers ("record_created", "record_updated", "stage_reached") are fired by the
`RecordChanged` handler; e-mail and behaviour triggers by the handlers of those apps' events;
date, inactivity and schedule triggers by the periodic job in `dates.py`, which asks each for
its `occurrences` on a day (or minute).
"""

import calendar
import datetime
from collections.abc import Iterator

from django.apps import apps
from django.db import models
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey import crontab

from rapport.automation.registry import TriggerType, register_trigger
from rapport.core.cleaning import FieldErrors, clean_int, reject_unknown
from rapport.core.records import record_type, record_types


def whole_number(value, field: str, errors: FieldErrors, low: int, high: int) -> int | None:
    return clean_int(
        value,
        field,
        errors,
        message=_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
        min_value=low,
        max_value=high,
    )


CLOSED_ORDER_STATUSES = ("cancelled", "returned")
# Dates a date rule may count from besides each record type's own `date_fields`: computed from
# a person's or company's orders.
ORDER_DATE_FIELDS = ("first_order", "last_order")
MAX_OFFSET_DAYS = 3660


def _clean_record_type(params: dict, errors: FieldErrors, prefix: str, *, only=None) -> str:
    key = params.get("record_type")
    if not isinstance(key, str) or record_type(key) is None or (only and key not in only):
        errors.add(f"{prefix}record_type", _("Choose a record type."))
        return ""
    return key


def _model_field_names(key: str) -> set[str]:
    rt = record_type(key)
    if rt is None:
        return set()
    model = apps.get_model(rt.model)
    names = set()
    for model_field in model._meta.get_fields():
        if getattr(model_field, "concrete", False) or model_field.many_to_many:
            names.add(model_field.name)
    return names - {"id", "version", "created_at", "updated_at"}


# --- Record triggers ---------------------------------------------------------------------------


def _clean_record_created(params, errors, prefix):
    reject_unknown(params, ("type", "record_type"), errors, prefix)
    return {"record_type": _clean_record_type(params, errors, prefix)}


def _clean_record_updated(params, errors, prefix):
    reject_unknown(params, ("type", "record_type", "fields"), errors, prefix)
    key = _clean_record_type(params, errors, prefix)
    fields = params.get("fields") or []
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        errors.add(f"{prefix}fields", _("Give a list of field names."))
        return {"record_type": key, "fields": []}
    known = _model_field_names(key) if key else set()
    for index, name in enumerate(fields):
        if key and name not in known:
            errors.add(
                f"{prefix}fields.{index}",
                _("“%(field)s” is not a field of this record type.") % {"field": name},
            )
    return {"record_type": key, "fields": sorted(set(fields))}


def _clean_stage_reached(params, errors, prefix):
    reject_unknown(params, ("type", "record_type", "stage_id"), errors, prefix)
    if params.get("record_type", "deal") != "deal":
        errors.add(f"{prefix}record_type", _("Only deals have stages."))
    stage_id = whole_number(params.get("stage_id"), f"{prefix}stage_id", errors, 1, 2**63 - 1)
    if (
        stage_id is not None
        and not apps.get_model("sales.Stage").objects.filter(pk=stage_id).exists()
    ):
        errors.add(f"{prefix}stage_id", _("There is no such stage."))
    return {"record_type": "deal", "stage_id": stage_id}


def _stage_condition(params: dict):
    return Q(stage_id=params["stage_id"]), {}


# --- E-mail and behaviour triggers ------------------------------------------------------------


def _clean_email(params, errors, prefix):
    reject_unknown(params, ("type", "template_id"), errors, prefix)
    template_id = params.get("template_id")
    if template_id in (None, ""):
        return {"template_id": None}
    template_id = whole_number(template_id, f"{prefix}template_id", errors, 1, 2**63 - 1)
    if (
        template_id is not None
        and not apps.get_model("messaging.EmailTemplate").objects.filter(pk=template_id).exists()
    ):
        errors.add(f"{prefix}template_id", _("There is no such e-mail template."))
    return {"template_id": template_id}


def _clean_event_received(params, errors, prefix):
    reject_unknown(params, ("type", "event_name"), errors, prefix)
    name = params.get("event_name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        errors.add(f"{prefix}event_name", _("Give the event's name (at most 100 characters)."))
        return {"event_name": ""}
    return {"event_name": name.strip()}


# --- Date triggers -----------------------------------------------------------------------------


def date_fields_of(key: str) -> tuple[str, ...]:
    """The dates a date rule may count from: the record type's own, and for persons and
    companies their first and last order and their active date custom fields
    ("custom.<key>": a contract's end, a renewal)."""
    rt = record_type(key)
    if rt is None:
        return ()
    if key not in ("person", "company"):
        return tuple(rt.date_fields)
    custom = (
        apps.get_model("customers.CustomFieldDefinition")
        .objects.filter(record_type=key, field_type="date", is_active=True)
        .order_by("position", "pk")
        .values_list("key", flat=True)
    )
    return (*rt.date_fields, *ORDER_DATE_FIELDS, *(f"custom.{name}" for name in custom))


def _clean_date_reached(params, errors, prefix):
    reject_unknown(
        params, ("type", "record_type", "field", "offset_days", "yearly"), errors, prefix
    )
    key = _clean_record_type(params, errors, prefix)
    field = params.get("field")
    if key and field not in date_fields_of(key):
        errors.add(f"{prefix}field", _("Choose a date field of this record type."))
    offset = params.get("offset_days", 0)
    offset = (
        whole_number(offset, f"{prefix}offset_days", errors, -MAX_OFFSET_DAYS, MAX_OFFSET_DAYS)
        if offset not in (None, "")
        else 0
    )
    yearly = params.get("yearly", False)
    if not isinstance(yearly, bool):
        errors.add(f"{prefix}yearly", _("Give true or false."))
    return {
        "record_type": key,
        "field": field,
        "offset_days": offset or 0,
        "yearly": yearly is True,
    }


def _month_day_q(lookup: str, target: datetime.date) -> Q:
    q = Q(**{f"{lookup}__month": target.month, f"{lookup}__day": target.day})
    if target.month == 2 and target.day == 28 and not calendar.isleap(target.year):
        # Born on 29 February: celebrated on the 28th in the other years.
        q |= Q(**{f"{lookup}__month": 2, f"{lookup}__day": 29})
    return q


def _order_dates(key: str, which: str) -> models.QuerySet:
    """Per person (or company) id, the date of their first or last order, as `day`."""
    column = "company_id" if key == "company" else "person_id"
    aggregate = Min if which == "first_order" else Max
    return (
        apps.get_model("sales.Order")
        .objects.exclude(status__in=CLOSED_ORDER_STATUSES)
        .filter(**{f"{column}__isnull": False})
        .order_by()
        .values(column)
        .annotate(day=TruncDate(aggregate("placed_at")))
    )


def _date_occurrences(params: dict, queryset, day: datetime.date) -> Iterator[tuple[int, str]]:
    target = day - datetime.timedelta(days=params["offset_days"])
    field = params["field"]
    key = day.isoformat()
    yearly = params["yearly"]
    if field in ORDER_DATE_FIELDS:
        column = "company_id" if params["record_type"] == "company" else "person_id"
        dates = _order_dates(params["record_type"], field)
        if yearly:
            dates = dates.filter(_month_day_q("day", target), day__year__lt=target.year)
        else:
            dates = dates.filter(day=target)
        queryset = queryset.filter(pk__in=dates.values(column))
    elif field.startswith("custom."):
        # A date custom field is kept in `custom` as "YYYY-MM-DD" text; compared as plain text
        # (a JSON key's own lookups would read the value given as JSON, or as a number).
        value = Cast(KT(f"custom__{field.removeprefix('custom.')}"), models.TextField())
        queryset = queryset.alias(_custom_date=value)
        if yearly:
            month_day = Q(_custom_date__endswith=target.strftime("-%m-%d"))
            if target.month == 2 and target.day == 28 and not calendar.isleap(target.year):
                month_day |= Q(_custom_date__endswith="-02-29")
            queryset = queryset.filter(month_day, _custom_date__lt=f"{target.year:04d}")
        else:
            queryset = queryset.filter(_custom_date=target.isoformat())
    elif params["record_type"] == "person" and field == "birthday":
        # Month and day are kept also for birthdays without a year.
        if yearly:
            q = Q(birth_month=target.month, birth_day=target.day)
            if target.month == 2 and target.day == 28 and not calendar.isleap(target.year):
                q |= Q(birth_month=2, birth_day=29)
            queryset = queryset.filter(q)
        else:
            queryset = queryset.filter(birthday=target)
    else:
        model_field = queryset.model._meta.get_field(field)
        lookup = f"{field}__date" if isinstance(model_field, models.DateTimeField) else field
        if yearly:
            queryset = queryset.filter(
                _month_day_q(lookup, target), **{f"{lookup}__year__lt": target.year}
            )
        else:
            queryset = queryset.filter(**{lookup: target})
    for pk in queryset.values_list("pk", flat=True).iterator(chunk_size=5000):
        yield pk, key


def _clean_inactivity(params, errors, prefix):
    reject_unknown(params, ("type", "of", "days"), errors, prefix)
    of = params.get("of")
    if of not in ("interaction", "order"):
        errors.add(f"{prefix}of", _("Choose interactions or orders."))
    days = whole_number(params.get("days"), f"{prefix}days", errors, 1, MAX_OFFSET_DAYS)
    return {"of": of, "days": days}


def _inactivity_occurrences(params: dict, queryset, day: datetime.date):
    """Persons whose last interaction (or order) — or, with none, their creation — is `days`
    or more days before `day`. The key is that last date, so a person fires once per stretch
    of silence and again after the next contact and the next stretch."""
    if params["of"] == "interaction":
        model, column = apps.get_model("activities.Interaction"), "occurred_at"
        last = model.objects.filter(person_id__isnull=False)
    else:
        model, column = apps.get_model("sales.Order"), "placed_at"
        last = model.objects.filter(person_id__isnull=False).exclude(
            status__in=CLOSED_ORDER_STATUSES
        )
    latest = (
        last.filter(person_id=OuterRef("pk"))
        .order_by()
        .values("person_id")
        .annotate(last=Max(column))
        .values("last")
    )
    cutoff = day - datetime.timedelta(days=params["days"])
    rows = (
        queryset.annotate(_last=TruncDate(Coalesce(Subquery(latest), "created_at")))
        .filter(_last__lte=cutoff)
        .values_list("pk", "_last")
    )
    for pk, last_day in rows.iterator(chunk_size=5000):
        yield pk, f"since:{last_day.isoformat() if hasattr(last_day, 'isoformat') else last_day}"


# --- Schedules ---------------------------------------------------------------------------------


def cron_matcher(expression: str):
    """Huey's crontab test for "m h dom mon dow" (raises ValueError for a bad one)."""
    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(expression)
    minute, hour, day, month, day_of_week = parts
    return crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)


def _clean_schedule(params, errors, prefix):
    reject_unknown(params, ("type", "cron", "record_type"), errors, prefix)
    key = _clean_record_type(params, errors, prefix)
    cron = params.get("cron")
    try:
        if not isinstance(cron, str):
            raise ValueError(cron)
        cron_matcher(cron)
    except (ValueError, TypeError):
        errors.add(
            f"{prefix}cron",
            _("Give a schedule as five fields, “minute hour day month weekday”, e.g. “0 9 * * 1”."),
        )
        cron = ""
    return {"record_type": key, "cron": " ".join(cron.split()) if cron else ""}


def _schedule_occurrences(params: dict, queryset, moment: datetime.datetime):
    key = moment.strftime("%Y-%m-%dT%H:%M")
    for pk in queryset.values_list("pk", flat=True).iterator(chunk_size=5000):
        yield pk, key


def register() -> None:
    def own(params):
        return params.get("record_type", "")

    def person(_params):
        return "person"

    register_trigger(
        TriggerType(
            "record_created",
            gettext_lazy("A record is created"),
            "record",
            _clean_record_created,
            own,
        )
    )
    register_trigger(
        TriggerType(
            "record_updated",
            gettext_lazy("A record is changed"),
            "record",
            _clean_record_updated,
            own,
        )
    )
    register_trigger(
        TriggerType(
            "stage_reached",
            gettext_lazy("A deal reaches a stage"),
            "record",
            _clean_stage_reached,
            lambda _p: "deal",
            implied_condition=_stage_condition,
        )
    )
    for key, label in (
        ("email_opened", gettext_lazy("An e-mail is opened")),
        ("email_clicked", gettext_lazy("A link in an e-mail is clicked")),
        ("email_replied", gettext_lazy("An e-mail is replied to")),
    ):
        register_trigger(TriggerType(key, label, "event", _clean_email, person))
    register_trigger(
        TriggerType(
            "event_received",
            gettext_lazy("An event is received"),
            "event",
            _clean_event_received,
            person,
        )
    )
    register_trigger(
        TriggerType(
            "date_reached",
            gettext_lazy("A date is reached"),
            "date",
            _clean_date_reached,
            own,
            occurrences=_date_occurrences,
        )
    )
    register_trigger(
        TriggerType(
            "inactivity",
            gettext_lazy("No contact for a number of days"),
            "date",
            _clean_inactivity,
            person,
            occurrences=_inactivity_occurrences,
        )
    )
    register_trigger(
        TriggerType(
            "schedule",
            gettext_lazy("On a schedule"),
            "date",
            _clean_schedule,
            own,
            occurrences=_schedule_occurrences,
        )
    )


def record_type_choices() -> list[tuple[str, str]]:
    return [(key, str(rt.label)) for key, rt in record_types().items()]
