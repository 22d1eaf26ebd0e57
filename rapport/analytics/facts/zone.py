"""Days as the facts cut them: in the installation's time zone (`settings.TIME_ZONE`), whoever
reads."""

import datetime
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone


def fact_zone() -> zoneinfo.ZoneInfo:
    """The installation's time zone: the one days are cut in, whoever reads."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, fact_zone()).date()


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=fact_zone())


def day_ranges(days: Iterable[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive days as (first, last) ranges, so a set of days reads as few ranges."""
    ranges: list[list[datetime.date]] = []
    for day in sorted(set(days)):
        if ranges and day - ranges[-1][1] == datetime.timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(first, last) for first, last in ranges]
