"""Days as the facts cut them: in the installation's time zone (`settings.TIME_ZONE`), whoever
reads."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone


def fact_zone() -> zoneinfo.ZoneInfo:
    """The installation's time zone: the one days are cut in, whoever reads."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, fact_zone()).date()


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=fact_zone())
