"""What lifetime value adds to the person and company lists (`accounts.list_specs`), registered
from `AnalyticsLifetimeConfig.ready()`: the current model's probability alive and expected value
as columns, and a filter by how likely a customer still buys."""

from django.utils.translation import gettext_lazy as _

from rapport.accounts.list_specs import (
    ExtraColumn,
    ExtraFilter,
    choice_param,
    register_list_extension,
)
from rapport.analytics.lifetime.models import LifetimePrediction
from rapport.analytics.lifetime.selectors import current_run
from rapport.core.formats import format_money

# Probability alive: (from, below).
ALIVE_BANDS = {"likely": (0.7, None), "uncertain": (0.3, 0.7), "unlikely": (None, 0.3)}


def _alive_choices():
    return [
        ("likely", _("Likely (0.7 or more)")),
        ("uncertain", _("Uncertain (0.3 to 0.7)")),
        ("unlikely", _("Unlikely (below 0.3)")),
    ]


def _predictions(field: str, ids):
    # The rows are customers the user may see, and a prediction is made of their orders only.
    run = current_run()
    if run is None:
        return None, []
    return run, LifetimePrediction.objects.filter(run=run, **{f"{field}_id__in": ids})


def _alive_cells(field: str):
    def cells(user, ids):
        run, rows = _predictions(field, ids)
        if run is None:
            return {}
        return {
            pk: f"{round(alive * 100)}%"
            for pk, alive in rows.values_list(f"{field}_id", "probability_alive")
        }

    return cells


def _value_cells(field: str):
    def cells(user, ids):
        run, rows = _predictions(field, ids)
        if run is None:
            return {}
        return {
            pk: format_money(value, run.currency)
            for pk, value in rows.values_list(f"{field}_id", "expected_value")
            if value is not None
        }

    return cells


def _alive_filter(field: str):
    def narrow(queryset, value):
        run = current_run()
        if run is None:
            return queryset.none()
        low, high = ALIVE_BANDS[value]
        predictions = LifetimePrediction.objects.filter(run=run, **{f"{field}__isnull": False})
        if low is not None:
            predictions = predictions.filter(probability_alive__gte=low)
        if high is not None:
            predictions = predictions.filter(probability_alive__lt=high)
        return queryset.filter(pk__in=predictions.values(f"{field}_id"))

    return narrow


def register() -> None:
    for list_key, field in (("persons", "person"), ("companies", "company")):
        register_list_extension(
            list_key,
            columns=[
                ExtraColumn(
                    "lifetime_alive", _("Probability still a customer"), _alive_cells(field)
                ),
                ExtraColumn(
                    "lifetime_value", _("Expected value, next 365 days"), _value_cells(field)
                ),
            ],
            filters=[
                ExtraFilter(
                    "lifetime_alive",
                    _("Still a customer"),
                    choice_param(ALIVE_BANDS),
                    _alive_filter(field),
                    choices=_alive_choices,
                )
            ],
        )
