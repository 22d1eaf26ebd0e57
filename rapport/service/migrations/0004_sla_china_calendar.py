"""Load the shipped China holiday calendars (rapport/service/data) as the editable "China
public holidays" calendar, and the default business hours (Monday to Friday, 09:00-18:00 in
Asia/Shanghai, on that calendar). Reversing removes both."""

import datetime
import json
from pathlib import Path

from django.db import migrations

CALENDAR_NAME = "China public holidays"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    HolidayCalendar = apps.get_model("service", "HolidayCalendar")
    HolidayCalendarDay = apps.get_model("service", "HolidayCalendarDay")
    BusinessHours = apps.get_model("service", "BusinessHours")
    calendar, _created = HolidayCalendar.objects.get_or_create(name=CALENDAR_NAME)
    days = {}
    for path in sorted(DATA_DIR.glob("holidays_cn_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for holiday in data["holidays"]:
            first = datetime.date.fromisoformat(holiday["from"])
            last = datetime.date.fromisoformat(holiday["until"])
            for n in range((last - first).days + 1):
                days[first + datetime.timedelta(days=n)] = ("holiday", holiday["name"])
            for day in holiday.get("workdays", ()):
                days[datetime.date.fromisoformat(day)] = ("workday", holiday["name"])
    HolidayCalendarDay.objects.bulk_create(
        [
            HolidayCalendarDay(calendar=calendar, date=day, kind=kind, name=name)
            for day, (kind, name) in sorted(days.items())
        ],
        ignore_conflicts=True,
    )
    if not BusinessHours.objects.filter(team__isnull=True).exists():
        BusinessHours.objects.create(
            name="Office hours",
            team=None,
            time_zone="Asia/Shanghai",
            weekly={str(day): "09:00-18:00" for day in range(5)},
            holiday_calendar=calendar,
        )


def unload(apps, schema_editor):
    apps.get_model("service", "BusinessHours").objects.filter(
        team__isnull=True, name="Office hours"
    ).delete()
    apps.get_model("service", "HolidayCalendar").objects.filter(name=CALENDAR_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("service", "0003_sla")]

    operations = [migrations.RunPython(load, unload)]
