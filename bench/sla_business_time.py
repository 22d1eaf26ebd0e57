#!/usr/bin/env python
"""SLA clock arithmetic at scale: deadlines and elapsed business minutes for 100,000 tickets.

    .venv/bin/python bench/sla_business_time.py [--tickets 100000] [--repeat 5]

No database: `rapport.service.business_time` is pure Python. The tickets are made up here
(starts spread over 2026, the targets an SLA policy sets: first response 1 or 4 hours, next
response 8 hours, resolution 5 or 20 working days) and timed on three calendars:

- **China office**: 09:00–12:00 and 13:30–18:00 Monday to Friday in Asia/Shanghai with the 2025
  and 2026 holidays and swapped weekend workdays (`china_calendar`);
- **New York office**: 09:00–17:00 Monday to Friday in America/New_York (two DST changes);
- **Berlin 24×7**: every minute, Europe/Berlin.

Scenarios, each the median of `--repeat` runs, wall time and this process's CPU time:

- **deadlines, new calendar**: `add_minutes_many` on a calendar object made for the run, so
  the time includes laying out its timeline (what the periodic job pays once per calendar);
- **deadlines, reused calendar**: the same on the calendar kept from the previous run;
- **elapsed minutes**: `minutes_between_many` from each start to "now";
- **one by one**: `add_minutes` called per ticket (the API a service uses for one ticket);
- **warning and deadline for three targets**: 80 % warnings and deadlines of the first
  response, next response and resolution targets of every ticket (6 per ticket).

The issue's target is the periodic SLA check over 100,000 open tickets in ≤ 10 s.
"""

import argparse
import random
import statistics
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from rapport.service.business_time import WorkingCalendar, china_calendar  # noqa: E402

TARGET_S = 10
FIRST_RESPONSE = (60, 240)
NEXT_RESPONSE = 480
RESOLUTION = (5 * 450, 20 * 450)


def _calendars():
    holidays_2025, workdays_2025 = china_calendar(2025)
    holidays_2026, workdays_2026 = china_calendar(2026)
    office = [(time(9), time(12)), (time(13, 30), time(18))]
    return {
        "China office": lambda: WorkingCalendar(
            "Asia/Shanghai",
            dict.fromkeys(range(5), office),
            holidays_2025 | holidays_2026,
            workdays_2025 | workdays_2026,
        ),
        "New York office": lambda: WorkingCalendar(
            "America/New_York", {day: [(time(9), time(17))] for day in range(5)}
        ),
        "Berlin 24×7": lambda: WorkingCalendar.always_open("Europe/Berlin"),
    }


def _tickets(count, zone, seed=16):
    rng = random.Random(seed)
    year_start = datetime(2026, 1, 1, tzinfo=ZoneInfo(zone))
    starts = [year_start + timedelta(seconds=rng.randrange(365 * 86_400)) for _ in range(count)]
    first = [rng.choice(FIRST_RESPONSE) for _ in range(count)]
    resolution = [rng.choice(RESOLUTION) for _ in range(count)]
    return starts, first, resolution


def _median_seconds(run, repeat):
    """Median wall time and median CPU time of this process (the machine may be shared)."""
    walls, cpus = [], []
    for _ in range(repeat):
        began, began_cpu = clock.perf_counter(), clock.process_time()
        run()
        walls.append(clock.perf_counter() - began)
        cpus.append(clock.process_time() - began_cpu)
    return statistics.median(walls), statistics.median(cpus)


def _scenarios(make, count, repeat):
    calendar = make()
    starts, first, resolution = _tickets(count, calendar.tz)
    now = datetime(2026, 12, 31, 12, 0, tzinfo=ZoneInfo(calendar.tz))
    pairs = list(zip(starts, first, strict=True))

    def three_targets():
        items = []
        for start, first_minutes, resolution_minutes in zip(starts, first, resolution, strict=True):
            for minutes in (first_minutes, NEXT_RESPONSE, resolution_minutes):
                items.append((start, 0.8 * minutes))
                items.append((start, minutes))
        return calendar.add_minutes_many(items)

    figures = (
        _median_seconds(lambda: make().add_minutes_many(pairs), repeat),
        _median_seconds(lambda: calendar.add_minutes_many(pairs), repeat),
        _median_seconds(
            lambda: calendar.minutes_between_many((start, now) for start in starts), repeat
        ),
        _median_seconds(
            lambda: [calendar.add_minutes(start, minutes) for start, minutes in pairs], repeat
        ),
        _median_seconds(three_targets, repeat),
    )
    # The batch and the one-by-one answers must agree, or the figures mean nothing.
    assert calendar.add_minutes_many(pairs[:1000]) == [
        make().add_minutes(start, minutes) for start, minutes in pairs[:1000]
    ]
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    count = options.tickets

    print(f"{count:,} tickets, median of {options.repeat} runs, seconds: wall (CPU)")
    header = ("calendar", "deadlines new", "deadlines reused", "elapsed", "one by one", "3 targets")
    print(" | ".join(header))
    for name, make in _calendars().items():
        print(
            f"{name} | "
            + " | ".join(
                f"{wall:.3f} ({cpu:.3f})" for wall, cpu in _scenarios(make, count, options.repeat)
            )
        )
    print(f"target: the periodic check over {count:,} open tickets in ≤ {TARGET_S} s")


if __name__ == "__main__":
    main()
