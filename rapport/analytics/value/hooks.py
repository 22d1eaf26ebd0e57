"""What customer value adds to apps below it, registered from `AnalyticsValueConfig.ready()`:
segment and tier as columns and filters of the person and company lists, and as fields of
automation rules' conditions."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from rapport.accounts.list_specs import (
    ExtraColumn,
    ExtraFilter,
    choice_param,
    register_list_extension,
)
from rapport.analytics.value.models import CustomerValue, Segment, Tier
from rapport.automation.conditions import CustomerField, register_customer_field

LISTS = {"persons": "person", "companies": "company"}


def _cells(kind: str, column: str, choices):
    labels = dict(choices)

    def values(user, ids):
        # The rows are customers `user` may see; their value rows carry the same owner and team.
        rows = CustomerValue.objects.filter(**{f"{kind}_id__in": ids}).values_list(
            f"{kind}_id", column
        )
        return {pk: labels.get(value, "") for pk, value in rows}

    return values


def _filter(kind: str, column: str):
    def apply(queryset, value):
        return queryset.filter(
            pk__in=CustomerValue.objects.filter(kind=kind, **{column: value}).values(f"{kind}_id")
        )

    return apply


def _annotation(column: str):
    def annotation(kind: str, outer: str):
        return Subquery(CustomerValue.objects.filter(**{kind: OuterRef(outer)}).values(column)[:1])

    return annotation


def register() -> None:
    for list_key, kind in LISTS.items():
        register_list_extension(
            list_key,
            columns=[
                ExtraColumn(
                    "value_segment", _("Segment"), _cells(kind, "segment", Segment.choices)
                ),
                ExtraColumn("value_tier", _("Value tier"), _cells(kind, "tier", Tier.choices)),
            ],
            filters=[
                ExtraFilter(
                    "value_segment",
                    _("Segment"),
                    choice_param(Segment.values),
                    _filter(kind, "segment"),
                    choices=lambda: Segment.choices,
                ),
                ExtraFilter(
                    "value_tier",
                    _("Value tier"),
                    choice_param(Tier.values),
                    _filter(kind, "tier"),
                    choices=lambda: Tier.choices,
                ),
            ],
        )
    register_customer_field(
        CustomerField(
            "value.segment", CustomerValue._meta.get_field("segment"), _annotation("segment")
        )
    )
    register_customer_field(
        CustomerField("value.tier", CustomerValue._meta.get_field("tier"), _annotation("tier"))
    )
