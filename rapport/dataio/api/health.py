"""REST endpoints of dataio: data health (current figures, daily history, fix list).

Every figure follows the one visibility rule: administrators everyone's (and per team), sales
managers their team's book, representatives their own records.
"""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from rapport.core.api_schemas import TeamRef, UserRef, error_responses
from rapport.core.errors import ValidationFailed
from rapport.core.schema_types import RecordId
from rapport.dataio.selectors import health as selectors

router = Router(tags=["data health"])

MAX_HISTORY_DAYS = 366


class FieldCompletenessOut(Schema):
    key: str
    label: str
    filled: int
    pct: float | None = Field(description="Share of the records with the field filled, in %.")


class RecordsHealthOut(Schema):
    total: int
    completeness: list[FieldCompletenessOut]
    missing_phone: int
    missing_email: int
    invalid_phone: int = Field(description="Records holding a phone number that does not validate.")
    invalid_email: int = Field(
        description="Records holding an e-mail address that does not validate."
    )
    stale: int = Field(description="Records not updated for 365 days.")
    stale_pct: float | None
    duplicates: int | None = Field(
        None, description="Persons only: persons sharing a phone or e-mail with another person."
    )
    duplicate_rate: float | None = None
    raw_phones: int | None = Field(
        None,
        description="Persons only: persons with phone numbers an import found valid in no "
        "country and kept as written (`raw_phones`).",
    )


class TeamHealthOut(Schema):
    team: TeamRef | None = Field(description="Empty for records without a team.")
    persons: RecordsHealthOut
    companies: RecordsHealthOut


class HealthOut(Schema):
    as_of: datetime.datetime
    persons: RecordsHealthOut
    companies: RecordsHealthOut
    teams: list[TeamHealthOut] = Field(description="Administrators only: the figures per team.")


class HistoryPointOut(Schema):
    date: datetime.date
    persons: RecordsHealthOut
    companies: RecordsHealthOut


class HealthQuery(Schema):
    team_id: RecordId | None = None


class HistoryQuery(Schema):
    team_id: RecordId | None = Field(
        None, description="Administrators: one team's snapshots; default everyone's."
    )
    days: int = Field(selectors.HISTORY_DAYS, description="How many days back, 1 to 366.")


class FixListQuery(Schema):
    team_id: RecordId | None = None
    owner_id: RecordId | None = None


class FixListPersonOut(Schema):
    id: int
    full_name: str
    owner: UserRef
    team: TeamRef | None
    updated_at: datetime.datetime


class FixListRowOut(Schema):
    person: FixListPersonOut
    score: int
    problems: list[str]


@router.get(
    "/data-health",
    response={200: HealthOut, **error_responses()},
    description="Current data quality of the persons and companies you may see: completeness "
    "per key field, missing and invalid phones and e-mails, records not updated in 12 months "
    "and the persons' duplicate rate. Administrators also get the figures per team.",
)
def data_health(request: HttpRequest, query: Query[HealthQuery]):
    return selectors.health_report(request.auth, team_id=query.team_id)


@router.get(
    "/data-health/history",
    response={200: list[HistoryPointOut], **error_responses(422)},
    description="The daily snapshots, oldest first: everyone's or one team's for "
    "administrators, your team's for everyone else.",
)
def data_health_history(request: HttpRequest, query: Query[HistoryQuery]):
    if not 1 <= query.days <= MAX_HISTORY_DAYS:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"days": [_("Enter a number from 1 to %(max)d.") % {"max": MAX_HISTORY_DAYS}]},
        )
    return selectors.health_history(request.auth, team_id=query.team_id, days=query.days)


@router.get(
    "/data-health/fix-list",
    response={200: list[FixListRowOut], **error_responses()},
    description="For each owner, the persons with the most missing key fields and invalid "
    "contacts, worst first.",
)
def data_health_fix_list(request: HttpRequest, query: Query[FixListQuery]):
    return selectors.fix_list(request.auth, team_id=query.team_id, owner_id=query.owner_id)
