"""The surveys app's record type, registered from `SurveysConfig.ready()` (see
`rapport.core.records`). A response is about its person; its "owner" for rules is the agent of
the ticket it rates."""

from django.utils.translation import gettext_lazy as _

from rapport.core.record_json import record_columns
from rapport.core.records import RecordType, register_record_type


def response_json(response) -> dict:
    return record_columns(response)


def register() -> None:
    register_record_type(
        RecordType(
            key="survey_response",
            model="surveys.Response",
            label=_("Survey response"),
            serialize=response_json,
            date_fields=("answered_at",),
            person_field="person",
            owner_field="agent",
        )
    )
