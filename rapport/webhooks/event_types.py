"""The event types a subscription may choose: "<record type>.<operation>" for every record type
registered in `rapport.core.records`, so a module that registers a new record type (tickets,
campaigns) is offered to webhooks without a change here."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from rapport.core.records import OPERATIONS, record_types

# Sent only by "send test event", to one subscription; never subscribed to.
TEST_EVENT = "webhook.test"

OPERATION_LABELS = {
    "created": _("created"),
    "updated": _("updated"),
    "deleted": _("deleted"),
}


@dataclass(frozen=True)
class EventTypeGroup:
    record_type: str
    label: object
    event_types: tuple[tuple[str, object], ...]  # (name, operation label)


def event_type_groups() -> list[EventTypeGroup]:
    return [
        EventTypeGroup(
            key,
            rt.label,
            tuple((f"{key}.{op}", OPERATION_LABELS[op]) for op in OPERATIONS),
        )
        for key, rt in record_types().items()
    ]


def event_type_names() -> list[str]:
    return [name for group in event_type_groups() for name, _label in group.event_types]
