"""The API's shape of a money total over several currencies (`sales.selectors.money`)."""

import datetime
from decimal import Decimal

from ninja import Field, Schema

from rapport.sales.selectors.money import MoneyTotal


class CurrencyAmountOut(Schema):
    currency: str
    amount: Decimal
    converted: Decimal | None = Field(
        description="In the reporting currency; null when the currency has no exchange rate."
    )
    rate: Decimal | None = Field(None, description="Units of the reporting currency per unit.")
    rate_date: datetime.date | None = Field(None, description="The day the rate is valid from.")


class MoneyTotalOut(Schema):
    """A total that may span currencies: never a sum of different currencies as they are."""

    currency: str = Field(description="The reporting currency of `converted`.")
    converted: Decimal = Field(
        description="Σ of the parts that have an exchange rate, in the reporting currency."
    )
    complete: bool = Field(description="False when some currency has no rate (see `missing`).")
    amounts: list[CurrencyAmountOut] = Field(description="The total in each currency.")
    missing: list[str] = Field(description="Currencies left out of `converted` (no rate).")
    rates_on: datetime.date = Field(description="The day whose exchange rates were used.")


def money_total_out(total: MoneyTotal) -> dict:
    return {
        "currency": total.currency,
        "converted": total.converted,
        "complete": total.is_complete,
        "amounts": [
            {
                "currency": part.currency,
                "amount": part.amount,
                "converted": part.converted,
                "rate": part.rate.rate if part.rate else None,
                "rate_date": part.rate.valid_from if part.rate else None,
            }
            for part in total.parts
        ],
        "missing": sorted(total.missing),
        "rates_on": total.day,
    }
