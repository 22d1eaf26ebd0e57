"""The merge fields templates may use, by source: `{{ person.name }}`, `{{ order.number }}`.

Each source names its fields (what a template may write after the dot) and a function turning a
record into a plain dict of strings and numbers. Templates are rendered with those dicts only, so
a template can never reach a model, the database or the settings. Apps above messaging add their
own sources from their AppConfig.ready() (sales adds "order"):

    register_merge_source(MergeSource(name="order", label=_("Order"),
        fields={"number": _("number"), ...}, build=lambda order: {...}))

`person`, `owner` and `company` are built from the person the message is for; the records
passed to `email_send_template(records={"order": order})` fill the other sources.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Top-level names every template may use, which are not a source.
GLOBAL_FIELDS = ("unsubscribe_url",)


@dataclass(frozen=True)
class MergeSource:
    name: str
    label: Any  # a lazy translated string
    fields: dict[str, Any]  # field name -> lazy translated label
    build: Callable[[Any], dict]
    # Where the record comes from when only a person is given: a function person -> record or
    # None (owner and company are found this way); None means the caller passes it in `records`.
    from_person: Callable[[Any], Any] | None = None
    example: dict | None = None  # values shown in the field list and used by a blank preview


_sources: dict[str, MergeSource] = {}


def register_merge_source(source: MergeSource) -> None:
    _sources[source.name] = source


def merge_sources() -> dict[str, MergeSource]:
    return dict(_sources)


def merge_source(name: str) -> MergeSource | None:
    return _sources.get(name)
