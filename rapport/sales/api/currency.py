"""REST endpoints for exchange rates: administrators list, add, correct, delete and import them.

A rate is how many units of the reporting currency (`RAPPORT_REPORTING_CURRENCY`) one unit of a
currency is worth from `valid_from` on; totals over several currencies use the latest rate valid
on the report's day (docs/decisions.md, "Money"). Everyone but administrators gets 403.
"""

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.accounts.access import require_settings_manager
from rapport.core.api_schemas import (
    InputSchema,
    Listing,
    Page,
    UserRef,
    checked_sort,
    error_responses,
    paginate,
    service_input,
)
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.schema_types import RecordId
from rapport.sales.selectors import currency as selectors
from rapport.sales.services import currency as services

router = Router(tags=["exchange rates"])

SORTS = ("-valid_from", "valid_from")
ADMINS_ONLY = "Administrators only (403 for everyone else)."
RATE_NOTE = (
    "`rate` is units of the reporting currency per unit of `currency`, a decimal string with up "
    'to eight decimals, e.g. `"7.12345678"`.'
)


class ExchangeRateOut(Schema):
    id: int
    currency: str
    to_currency: str = Field(description="The reporting currency the rate converts into.")
    valid_from: datetime.date
    rate: Decimal
    source: str
    entered_by: UserRef | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


# Dates and rates are read by the service, so that a bad value gets its own message ("Enter a
# rate above zero") under its field, as on the page.
RateValue = Decimal | str
DayValue = datetime.date | str


class ExchangeRateIn(InputSchema):
    currency: str = Field(description="Three letters, not the reporting currency.")
    valid_from: DayValue = Field(description="YYYY-MM-DD: the first day the rate is used.")
    rate: RateValue
    source: str | None = None


class ExchangeRatePatch(InputSchema):
    currency: str | None = None
    valid_from: DayValue | None = None
    rate: RateValue | None = None
    source: str | None = None


class ExchangeRateQuery(Listing):
    currency: str = ""


class RateImportOut(Schema):
    created: int
    updated: int = Field(description="Rows that corrected the rate of a currency and day.")
    unchanged: int


@router.get(
    "/exchange-rates",
    response={200: Page[ExchangeRateOut], **error_responses(400, 403, 422)},
    description=ADMINS_ONLY + " Filter: `currency`. Sorts: -valid_from (default), valid_from.",
)
def exchange_rates_list(request: HttpRequest, query: Query[ExchangeRateQuery]):
    require_settings_manager(request.auth)
    sort = checked_sort(query.sort, SORTS, "-valid_from")
    qs = selectors.exchange_rates_list(currency=query.currency)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/exchange-rates",
    response={201: ExchangeRateOut, **error_responses(400, 403, 422)},
    description=ADMINS_ONLY + " A currency that has a rate from that day already is 422 "
    "(`valid_from`): correct it with PATCH instead. " + RATE_NOTE,
)
def exchange_rate_create(request: HttpRequest, payload: ExchangeRateIn):
    require_settings_manager(request.auth)
    rate = services.exchange_rate_create(actor=request.auth, data=service_input(payload))
    return Status(201, rate)


@router.patch(
    "/exchange-rates/{int:rate_id}",
    response={200: ExchangeRateOut, **error_responses(400, 403, 404, 422)},
    description=ADMINS_ONLY + " Correct a rate entered wrongly; the audit log keeps the old "
    "value. " + RATE_NOTE,
)
def exchange_rate_update(request: HttpRequest, rate_id: RecordId, payload: ExchangeRatePatch):
    require_settings_manager(request.auth)
    rate = selectors.get_exchange_rate(rate_id)
    return services.exchange_rate_update(actor=request.auth, rate=rate, data=service_input(payload))


@router.delete(
    "/exchange-rates/{int:rate_id}",
    response={204: None, **error_responses(403, 404)},
    description=ADMINS_ONLY + " Delete a rate entered wrongly (written to the audit log); "
    "totals fall back to the currency's previous rate.",
)
def exchange_rate_delete(request: HttpRequest, rate_id: RecordId):
    require_settings_manager(request.auth)
    rate = selectors.get_exchange_rate(rate_id)
    services.exchange_rate_delete(actor=request.auth, rate=rate)
    return Status(204, None)


@router.post(
    "/exchange-rates/import",
    response={200: RateImportOut, **error_responses(400, 403, 422)},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
            "required": True,
        }
    },
    description=ADMINS_ONLY + " A CSV file as the multipart field `file`, with the columns "
    "currency, date (valid from) and rate (or 币种, 日期, 汇率) and optionally source; UTF-8 or "
    "GB18030, comma, semicolon or tab. A row for a currency and day that has a rate corrects "
    "it. All or nothing: any bad row and nothing is saved, 422 with `details` keyed "
    "`rows.<line>.<column>` (the file's line number), or `file` for the file as a whole.",
)
def exchange_rates_import(request: HttpRequest):
    require_settings_manager(request.auth)
    try:
        upload = request.FILES.get("file")
    except MultiPartParserError as exc:
        raise ApplicationError(
            "malformed_upload", _("The upload is not a valid multipart form.")
        ) from exc
    if upload is None:
        raise ValidationFailed(
            _("Please correct the errors below."), {"file": [_("Choose a file to import.")]}
        )
    content = upload.read(services.IMPORT_MAX_BYTES + 1)
    return services.exchange_rates_import(
        actor=request.auth, content=content, filename=(upload.name or "")[:100]
    )
