"""Business time: working hours, China's holidays and swapped workdays, DST, pauses, batches.

No database: the module is pure Python. Where a result is not obvious by hand it is compared
with a minute-by-minute count on the wall clock (`_counted_deadline`), written here apart from
the module's timeline so that the two can disagree.
"""

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rapport.service.business_time import (
    WorkingCalendar,
    china_calendar,
    china_calendar_years,
    parse_hours,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
MINUTE = timedelta(minutes=1)
OFFICE = [(time(9), time(12)), (time(13, 30), time(18))]  # 7.5 hours
WEEKDAYS = dict.fromkeys(range(5), OFFICE)
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _china_office() -> WorkingCalendar:
    holidays_2025, workdays_2025 = china_calendar(2025)
    holidays_2026, workdays_2026 = china_calendar(2026)
    return WorkingCalendar(
        "Asia/Shanghai", WEEKDAYS, holidays_2025 | holidays_2026, workdays_2025 | workdays_2026
    )


def _at(zone, *parts) -> datetime:
    return datetime(*parts, tzinfo=zone)


def _open_on_wall_clock(weekly, holidays, workdays, zone, moment) -> bool:
    """Whether the minute starting at `moment` is working time, read off the local clock."""
    local = moment.astimezone(zone)
    day = local.date()
    if day in holidays:
        return False
    hours = weekly.get(day.weekday(), [])
    if not hours and day in workdays:
        hours = weekly[0]
    clock = local.time().replace(tzinfo=None)
    return any(start <= clock and (end == time(0) or clock < end) for start, end in hours)


def _counted_deadline(weekly, holidays, workdays, zone, start, minutes) -> datetime:
    moment = start.astimezone(UTC)
    counted = 0
    while True:
        if _open_on_wall_clock(weekly, holidays, workdays, zone, moment):
            counted += 1
            if counted == minutes:
                return moment + MINUTE
        moment += MINUTE


# Working hours on ordinary days ---------------------------------------------------------------


def test_minutes_within_one_interval_end_inside_it():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    assert calendar.add_minutes(_at(SHANGHAI, 2026, 3, 2, 9, 30), 90) == _at(
        SHANGHAI, 2026, 3, 2, 11, 0
    )


def test_the_lunch_break_does_not_count():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    deadline = calendar.add_minutes(_at(SHANGHAI, 2026, 3, 2, 11, 0), 120)

    assert deadline == _at(SHANGHAI, 2026, 3, 2, 14, 30)


def test_a_deadline_that_uses_up_the_day_is_closing_time_not_the_next_opening():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    deadline = calendar.add_minutes(_at(SHANGHAI, 2026, 3, 2, 17, 0), 60)

    assert deadline == _at(SHANGHAI, 2026, 3, 2, 18, 0)
    assert calendar.is_open(deadline) is False


def test_the_evening_and_the_weekend_are_skipped():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    # Friday 17:00 + 2 hours: one hour on Friday, one on Monday morning.
    deadline = calendar.add_minutes(_at(SHANGHAI, 2026, 3, 6, 17, 0), 120)

    assert deadline == _at(SHANGHAI, 2026, 3, 9, 10, 0)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ((2026, 3, 2, 7, 15), (2026, 3, 2, 10, 0)),  # before opening
        ((2026, 3, 2, 12, 40), (2026, 3, 2, 14, 30)),  # at lunch
        ((2026, 3, 2, 22, 5), (2026, 3, 3, 10, 0)),  # in the evening
        ((2026, 3, 7, 11, 0), (2026, 3, 9, 10, 0)),  # on Saturday
    ],
)
def test_a_start_in_closed_time_runs_from_the_next_opening(start, expected):
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    assert calendar.add_minutes(_at(SHANGHAI, *start), 60) == _at(SHANGHAI, *expected)


def test_zero_minutes_is_the_start_itself_even_in_closed_time():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)
    start = _at(SHANGHAI, 2026, 3, 7, 11, 0)

    assert calendar.add_minutes(start, 0) == start


def test_results_are_in_utc_whatever_the_zone_of_the_start():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    deadline = calendar.add_minutes(datetime(2026, 3, 1, 20, 0, tzinfo=NEW_YORK), 30)

    assert deadline.tzinfo == UTC
    assert deadline == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def test_fractional_minutes_are_kept_to_the_microsecond():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    deadline = calendar.add_minutes(_at(SHANGHAI, 2026, 3, 2, 9, 0), 0.8 * 45)

    assert deadline == _at(SHANGHAI, 2026, 3, 2, 9, 36)


def test_minutes_between_counts_only_working_time():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    # Friday 16:00 to Monday 10:30: two hours on Friday, 90 minutes on Monday.
    elapsed = calendar.minutes_between(
        _at(SHANGHAI, 2026, 3, 6, 16, 0), _at(SHANGHAI, 2026, 3, 9, 10, 30)
    )

    assert elapsed == 120 + 90


def test_minutes_between_is_floored_and_never_negative():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)
    start = _at(SHANGHAI, 2026, 3, 2, 9, 0)

    assert calendar.minutes_between(start, start + timedelta(seconds=119)) == 1
    assert calendar.seconds_between(start, start + timedelta(seconds=119)) == 119
    assert calendar.minutes_between(start + MINUTE, start) == 0


def test_several_intervals_a_day_and_a_different_saturday():
    weekly = {
        **{
            day: [(time(8), time(12)), (time(14), time(17)), (time(19), time(21))]
            for day in range(5)
        },
        5: [(time(10), time(14))],
    }
    calendar = WorkingCalendar("Asia/Shanghai", weekly)

    # Friday 20:00: one hour that evening, then Saturday 10:00–14:00.
    assert calendar.add_minutes(_at(SHANGHAI, 2026, 3, 6, 20, 0), 60 + 240) == _at(
        SHANGHAI, 2026, 3, 7, 14, 0
    )
    assert (
        calendar.minutes_between(_at(SHANGHAI, 2026, 3, 2, 0, 0), _at(SHANGHAI, 2026, 3, 3, 0, 0))
        == (4 + 3 + 2) * 60
    )


def test_overlapping_and_touching_intervals_are_merged():
    calendar = WorkingCalendar(
        "Asia/Shanghai", {0: [(time(13), time(18)), (time(9), time(12)), (time(11), time(13))]}
    )

    assert calendar.hours_on(date(2026, 3, 2)) == ((time(9), time(18)),)


def test_a_whole_week_of_office_hours_is_skipped_exactly():
    calendar = WorkingCalendar("UTC", {day: [(time(9), time(17))] for day in range(5)})
    monday = _at(UTC, 2026, 1, 5, 9, 0)

    # 100 weeks of 5 × 8 hours end on the Friday evening 99 weeks later.
    deadline = calendar.add_minutes(monday, 100 * 5 * 8 * 60)

    assert deadline == _at(UTC, 2026, 1, 9, 17, 0) + timedelta(weeks=99)


def test_always_open_counts_every_minute():
    calendar = WorkingCalendar.always_open("UTC")
    start = _at(UTC, 2026, 12, 31, 23, 0)

    assert calendar.add_minutes(start, 1_000_000) == start + timedelta(minutes=1_000_000)
    assert calendar.is_open(start) is True


# China's holidays and swapped workdays ----------------------------------------------------


def test_national_day_2025_is_october_first_to_eighth_with_two_weekend_workdays():
    holidays, workdays = china_calendar(2025)

    assert {date(2025, 10, day) for day in range(1, 9)} <= holidays
    assert date(2025, 10, 9) not in holidays
    assert date(2025, 9, 30) not in holidays
    assert {date(2025, 9, 28), date(2025, 10, 11)} <= workdays


def test_spring_festival_2026_is_nine_days_with_saturday_workdays_around_it():
    holidays, workdays = china_calendar(2026)

    assert {date(2026, 2, 15) + timedelta(days=n) for n in range(9)} <= holidays
    assert date(2026, 2, 24) not in holidays
    assert {date(2026, 2, 14), date(2026, 2, 28)} <= workdays


def test_china_2026_has_the_notices_seven_holidays_and_six_workdays():
    holidays, workdays = china_calendar(2026)

    assert len(holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert workdays == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert {date(2026, 1, 1), date(2026, 5, 5), date(2026, 6, 19), date(2026, 9, 25)} <= holidays


def test_china_2025_new_year_is_one_day_without_a_swap():
    holidays, workdays = china_calendar(2025)

    assert date(2025, 1, 1) in holidays
    assert date(2025, 1, 2) not in holidays
    assert len(holidays) == 1 + 8 + 3 + 5 + 3 + 8
    assert len(workdays) == 5


def test_an_unknown_year_is_a_lookup_error_naming_the_shipped_years():
    with pytest.raises(LookupError, match="2025, 2026"):
        china_calendar(2031)


def test_china_calendar_returns_fresh_sets():
    holidays, _ = china_calendar(2026)
    holidays.clear()

    assert date(2026, 10, 1) in china_calendar(2026)[0]


@pytest.mark.parametrize("year", china_calendar_years())
def test_each_shipped_notice_swaps_only_weekend_days_and_names_its_source(year):
    data = json.loads((DATA_DIR / f"holidays_cn_{year}.json").read_text(encoding="utf-8"))
    holidays, workdays = china_calendar(year)

    assert data["year"] == year
    assert f"{year}年部分节假日安排的通知" in data["source"]
    assert all(day.weekday() >= 5 for day in workdays)
    assert all(day.year == year for day in holidays)
    assert not holidays & workdays


def test_the_shipped_years_are_2025_and_2026():
    assert china_calendar_years() == [2025, 2026]


def test_a_swapped_saturday_workday_counts_before_the_spring_festival():
    calendar = _china_office()

    # Friday 13 February 2026 17:00 + 2 hours: Saturday the 14th is a workday.
    deadline = calendar.add_minutes(_at(SHANGHAI, 2026, 2, 13, 17, 0), 120)

    assert deadline == _at(SHANGHAI, 2026, 2, 14, 10, 0)


def test_the_nine_days_of_spring_festival_are_skipped_in_one_go():
    calendar = _china_office()

    deadline = calendar.add_minutes(_at(SHANGHAI, 2026, 2, 14, 17, 0), 120)

    assert deadline == _at(SHANGHAI, 2026, 2, 24, 10, 0)
    assert calendar.next_open(_at(SHANGHAI, 2026, 2, 14, 18, 0)) == _at(SHANGHAI, 2026, 2, 24, 9, 0)


def test_national_day_2025_then_the_saturday_workday():
    calendar = _china_office()

    # 30 September 17:00 + 1 hour + a full day (7.5 h) + 1 hour: 1 hour on the 30th, the 9th
    # and 10th of October (Thursday, Friday), one hour on Saturday the 11th (a workday).
    deadline = calendar.add_minutes(_at(SHANGHAI, 2025, 9, 30, 17, 0), 60 + 2 * 450 + 60)

    assert deadline == _at(SHANGHAI, 2025, 10, 11, 10, 0)


def test_a_deadline_across_the_new_year_uses_both_years_calendars():
    calendar = _china_office()

    # 31 December 2025 17:00 + 2 hours: 1 to 3 January 2026 are off, Sunday the 4th is worked.
    deadline = calendar.add_minutes(_at(SHANGHAI, 2025, 12, 31, 17, 0), 120)

    assert deadline == _at(SHANGHAI, 2026, 1, 4, 10, 0)


def test_a_swapped_workday_gets_the_hours_given_for_workdays():
    calendar = WorkingCalendar(
        "Asia/Shanghai",
        WEEKDAYS,
        workdays={date(2026, 2, 14)},
        workday_hours=[(time(10), time(16))],
    )

    assert calendar.hours_on(date(2026, 2, 14)) == ((time(10), time(16)),)
    assert calendar.next_open(_at(SHANGHAI, 2026, 2, 14, 9, 0)) == _at(SHANGHAI, 2026, 2, 14, 10, 0)


def test_ten_thousand_minutes_over_the_spring_festival_match_a_minute_by_minute_count():
    holidays, workdays = china_calendar(2026)
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS, holidays, workdays)
    start = _at(SHANGHAI, 2026, 2, 10, 15, 17)

    deadline = calendar.add_minutes(start, 10_000)

    assert deadline == _counted_deadline(WEEKDAYS, holidays, workdays, SHANGHAI, start, 10_000)
    assert calendar.minutes_between(start, deadline) == 10_000


# Daylight saving time --------------------------------------------------------------------


def test_a_24_hour_day_is_23_or_25_hours_on_the_days_new_york_changes_its_clocks():
    calendar = WorkingCalendar.always_open("America/New_York")

    spring = calendar.minutes_between(_at(NEW_YORK, 2026, 3, 8), _at(NEW_YORK, 2026, 3, 9))
    autumn = calendar.minutes_between(_at(NEW_YORK, 2026, 11, 1), _at(NEW_YORK, 2026, 11, 2))

    assert (spring, autumn) == (23 * 60, 25 * 60)


def test_a_day_of_minutes_after_noon_before_spring_forward_is_one_oclock_the_next_day():
    calendar = WorkingCalendar.always_open("America/New_York")

    deadline = calendar.add_minutes(_at(NEW_YORK, 2026, 3, 7, 12, 0), 24 * 60)

    assert deadline == _at(NEW_YORK, 2026, 3, 8, 13, 0)
    assert deadline.astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_office_hours_across_new_yorks_spring_forward_weekend():
    calendar = WorkingCalendar("America/New_York", {d: [(time(9), time(17))] for d in range(5)})

    deadline = calendar.add_minutes(_at(NEW_YORK, 2026, 3, 6, 16, 0), 120)

    assert deadline == _at(NEW_YORK, 2026, 3, 9, 10, 0)
    # 2 days 17 real hours: the weekend lost an hour (a difference in one zone would ignore it).
    assert deadline - _at(NEW_YORK, 2026, 3, 6, 16, 0).astimezone(UTC) == timedelta(
        days=2, hours=17
    )


def test_night_hours_over_the_skipped_hour_count_real_time():
    calendar = WorkingCalendar("America/New_York", {6: [(time(1), time(4))]})

    # Sunday 8 March 2026: 01:00–04:00 on the wall clock is two real hours.
    assert (
        calendar.minutes_between(_at(NEW_YORK, 2026, 3, 8, 0, 0), _at(NEW_YORK, 2026, 3, 8, 12, 0))
        == 120
    )


def test_hours_wholly_inside_the_skipped_hour_do_not_exist_that_day():
    calendar = WorkingCalendar("America/New_York", {6: [(time(2, 0), time(2, 45))]})

    assert calendar.minutes_between(_at(NEW_YORK, 2026, 3, 8), _at(NEW_YORK, 2026, 3, 9)) == 0
    assert calendar.minutes_between(_at(NEW_YORK, 2026, 3, 15), _at(NEW_YORK, 2026, 3, 16)) == 45


def test_the_repeated_hour_of_berlins_autumn_change_counts_twice():
    calendar = WorkingCalendar("Europe/Berlin", {6: [(time(1), time(4))]})

    # Sunday 25 October 2026: the clock goes 02:59 CEST → 02:00 CET.
    assert (
        calendar.minutes_between(_at(BERLIN, 2026, 10, 25, 0, 0), _at(BERLIN, 2026, 10, 25, 12, 0))
        == 4 * 60
    )


def test_hours_that_end_in_the_skipped_hour_end_when_the_clock_jumps():
    calendar = WorkingCalendar(
        "Europe/Berlin", {6: [(time(1), time(2, 30)), (time(2, 45), time(5))]}
    )

    # Sunday 29 March 2026: 01:00–02:00, then 03:00–05:00 on the wall clock.
    assert calendar.minutes_between(_at(BERLIN, 2026, 3, 29), _at(BERLIN, 2026, 3, 30)) == 180
    assert calendar.next_open(_at(BERLIN, 2026, 3, 29, 1, 59)) == _at(BERLIN, 2026, 3, 29, 1, 59)
    assert calendar.add_minutes(_at(BERLIN, 2026, 3, 29, 1, 30), 31) == _at(
        BERLIN, 2026, 3, 29, 3, 1
    )


def test_hours_that_start_in_the_repeated_hour_start_at_its_first_occurrence():
    calendar = WorkingCalendar("America/New_York", {6: [(time(1, 30), time(3))]})

    # Sunday 1 November 2026: 01:30 EDT to 03:00 EST is two and a half hours.
    assert calendar.minutes_between(_at(NEW_YORK, 2026, 11, 1), _at(NEW_YORK, 2026, 11, 2)) == 150


@pytest.mark.parametrize(
    ("zone", "first_day", "sunday"),
    [
        (NEW_YORK, date(2026, 3, 4), [(time(0), time(2, 30)), (time(2, 40), time(0))]),
        (NEW_YORK, date(2026, 10, 28), [(time(0), time(0))]),
        (BERLIN, date(2026, 3, 25), [(time(1), time(2, 15)), (time(2, 50), time(7))]),
        (BERLIN, date(2026, 10, 21), [(time(0), time(1)), (time(3), time(0))]),
    ],
)
def test_deadlines_across_a_clock_change_match_a_minute_by_minute_count(zone, first_day, sunday):
    weekly = {
        **{day: [(time(0, 30), time(3, 30)), (time(9), time(17))] for day in range(5)},
        6: sunday,
    }
    calendar = WorkingCalendar(zone.key, weekly)
    rng = random.Random(f"{zone.key}{first_day}")
    for _ in range(6):
        start = datetime.combine(
            first_day + timedelta(days=rng.randrange(5)),
            time(rng.randrange(24), rng.randrange(60)),
            tzinfo=zone,
        )
        minutes = rng.randrange(1, 3000)

        deadline = calendar.add_minutes(start, minutes)

        # In UTC: == between two zones is False in the repeated hour (PEP 495).
        assert deadline.astimezone(UTC) == _counted_deadline(
            weekly, set(), set(), zone, start, minutes
        )


# Properties ------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", [SHANGHAI, NEW_YORK, BERLIN])
def test_the_deadline_of_the_minutes_elapsed_to_an_open_instant_is_that_instant(zone):
    holidays, workdays = china_calendar(2026)
    calendar = WorkingCalendar(zone.key, WEEKDAYS, holidays, workdays)
    rng = random.Random(zone.key)
    checked = 0
    while checked < 150:
        start = _at(zone, 2026, 1, 1) + rng.randrange(360 * 1440) * MINUTE
        later = start + rng.randrange(1, 40 * 1440) * MINUTE
        if not (calendar.is_open(later) and calendar.is_open(later - MINUTE)):
            continue

        elapsed = calendar.minutes_between(start, later)

        assert calendar.add_minutes(start, elapsed) == later
        checked += 1


@pytest.mark.parametrize("zone", [SHANGHAI, NEW_YORK, BERLIN])
def test_the_minutes_between_a_start_and_its_deadline_are_the_minutes_added(zone):
    holidays, workdays = china_calendar(2026)
    calendar = WorkingCalendar(zone.key, WEEKDAYS, holidays, workdays)
    rng = random.Random(zone.key)
    for _ in range(200):
        start = _at(zone, 2026, 1, 1) + rng.randrange(360 * 1440) * MINUTE
        minutes = rng.randrange(0, 20_000)

        assert calendar.minutes_between(start, calendar.add_minutes(start, minutes)) == minutes


def test_deadlines_grow_with_the_minutes_and_with_the_start():
    calendar = _china_office()
    rng = random.Random(16)
    for _ in range(200):
        start = _at(SHANGHAI, 2025, 1, 1) + rng.randrange(700 * 1440) * MINUTE
        later_start = start + rng.randrange(0, 5 * 1440) * MINUTE
        minutes = rng.randrange(0, 5000)
        more = minutes + rng.randrange(1, 500)

        deadline = calendar.add_minutes(start, minutes)

        assert deadline >= start
        assert calendar.add_minutes(start, more) > deadline
        assert calendar.add_minutes(later_start, minutes) >= deadline


def test_minutes_between_adds_up_over_a_point_between():
    calendar = _china_office()
    rng = random.Random(3)
    for _ in range(200):
        first = _at(SHANGHAI, 2025, 1, 1) + rng.randrange(700 * 1440) * MINUTE
        middle = first + rng.randrange(0, 30 * 1440) * MINUTE
        last = middle + rng.randrange(0, 30 * 1440) * MINUTE

        assert calendar.minutes_between(first, last) == calendar.minutes_between(
            first, middle
        ) + calendar.minutes_between(middle, last)


def test_is_open_and_next_open_agree_with_the_wall_clock():
    holidays, workdays = china_calendar(2026)
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS, holidays, workdays)
    rng = random.Random(7)
    for _ in range(300):
        moment = _at(SHANGHAI, 2026, 1, 1) + rng.randrange(360 * 1440) * MINUTE
        expected = _open_on_wall_clock(WEEKDAYS, holidays, workdays, SHANGHAI, moment)

        assert calendar.is_open(moment) is expected
        opening = calendar.next_open(moment)
        assert opening >= moment
        assert calendar.is_open(opening) is True
        assert calendar.minutes_between(moment, opening) == 0


def test_opening_is_open_and_closing_is_closed():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    assert calendar.is_open(_at(SHANGHAI, 2026, 3, 2, 9, 0)) is True
    assert calendar.is_open(_at(SHANGHAI, 2026, 3, 2, 12, 0)) is False
    assert calendar.is_open(_at(SHANGHAI, 2026, 3, 2, 11, 59, 59)) is True
    assert calendar.next_open(_at(SHANGHAI, 2026, 3, 2, 12, 0)) == _at(SHANGHAI, 2026, 3, 2, 13, 30)


# Pauses (waiting for the customer) -------------------------------------------------------


def test_a_pause_pushes_the_deadline_by_the_working_time_it_covers():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)
    start = _at(SHANGHAI, 2026, 3, 2, 9, 0)
    # Waiting for the customer from 10:00 to 14:00: 150 minutes of working time (not lunch).
    pauses = [(_at(SHANGHAI, 2026, 3, 2, 10, 0), _at(SHANGHAI, 2026, 3, 2, 14, 0))]

    deadline = calendar.add_minutes(start, 180, pauses)

    assert deadline == _at(SHANGHAI, 2026, 3, 2, 16, 0)
    assert calendar.minutes_between(start, deadline, pauses) == 180
    assert calendar.minutes_between(start, deadline) == 180 + 150


def test_a_deadline_reached_before_a_pause_is_not_moved():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)
    pauses = [(_at(SHANGHAI, 2026, 3, 2, 10, 0), None)]

    assert calendar.add_minutes(_at(SHANGHAI, 2026, 3, 2, 9, 0), 60, pauses) == _at(
        SHANGHAI, 2026, 3, 2, 10, 0
    )


def test_a_running_pause_stops_the_clock_so_there_is_no_deadline_yet():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)
    start = _at(SHANGHAI, 2026, 3, 2, 9, 0)
    pauses = [(_at(SHANGHAI, 2026, 3, 2, 10, 0), None)]

    assert calendar.add_minutes(start, 61, pauses) is None
    assert calendar.minutes_between(start, _at(SHANGHAI, 2026, 3, 4, 9, 0), pauses) == 60


def test_overlapping_pauses_and_pauses_outside_the_span_count_once():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)
    start = _at(SHANGHAI, 2026, 3, 2, 9, 0)
    end = _at(SHANGHAI, 2026, 3, 2, 18, 0)
    pauses = [
        (_at(SHANGHAI, 2026, 3, 2, 10, 0), _at(SHANGHAI, 2026, 3, 2, 11, 0)),
        (_at(SHANGHAI, 2026, 3, 2, 10, 30), _at(SHANGHAI, 2026, 3, 2, 11, 30)),
        (_at(SHANGHAI, 2026, 3, 1, 8, 0), _at(SHANGHAI, 2026, 3, 2, 9, 15)),
        (_at(SHANGHAI, 2026, 3, 2, 17, 45), _at(SHANGHAI, 2026, 3, 3, 12, 0)),
    ]

    # 7.5 hours minus 90 minutes (10:00–11:30), 15 (from 09:00) and 15 (from 17:45).
    assert calendar.minutes_between(start, end, pauses) == 450 - 90 - 15 - 15
    assert calendar.add_minutes(start, 450 - 120, pauses) == _at(SHANGHAI, 2026, 3, 2, 17, 45)
    # The last pause ends at lunch: the clock runs again at 13:30.
    assert calendar.add_minutes(start, 450 - 119, pauses) == _at(SHANGHAI, 2026, 3, 3, 13, 31)


def test_the_deadline_with_pauses_equals_the_remaining_minutes_after_the_last_pause():
    calendar = _china_office()
    rng = random.Random(11)
    for _ in range(100):
        start = _at(SHANGHAI, 2025, 3, 1) + rng.randrange(500 * 1440) * MINUTE
        pause_start = start + rng.randrange(0, 3 * 1440) * MINUTE
        pause_end = pause_start + rng.randrange(1, 5 * 1440) * MINUTE
        minutes = rng.randrange(1, 3000)
        pauses = [(pause_start, pause_end)]

        deadline = calendar.add_minutes(start, minutes, pauses)

        before = calendar.minutes_between(start, pause_start)
        if before >= minutes:
            assert deadline == calendar.add_minutes(start, minutes)
        else:
            assert deadline == calendar.add_minutes(pause_end, minutes - before)


# Batches (the periodic SLA check) ---------------------------------------------------------


def test_a_batch_of_deadlines_equals_the_deadlines_one_by_one():
    calendar = _china_office()
    rng = random.Random(5)
    items = [
        (
            _at(SHANGHAI, 2025, 1, 1) + rng.randrange(720 * 1440) * MINUTE,
            rng.choice([0, 30, 240, 480, 2400.5, 60_000]),
        )
        for _ in range(2000)
    ]

    deadlines = calendar.add_minutes_many(items)

    fresh = _china_office()
    assert deadlines == [fresh.add_minutes(start, minutes) for start, minutes in items]


def test_a_batch_of_elapsed_minutes_equals_the_minutes_one_by_one():
    calendar = _china_office()
    rng = random.Random(6)
    items = []
    for _ in range(1000):
        start = _at(SHANGHAI, 2025, 1, 1) + rng.randrange(700 * 1440) * MINUTE
        items.append((start, start + rng.randrange(-100, 20 * 1440) * MINUTE))

    assert calendar.minutes_between_many(items) == [
        _china_office().minutes_between(start, end) for start, end in items
    ]
    assert calendar.add_minutes_many([]) == []


def test_results_do_not_change_when_the_cached_timeline_grows_backwards_and_forwards():
    calendar = _china_office()
    start = _at(SHANGHAI, 2026, 6, 1, 9, 0)
    first = calendar.add_minutes(start, 5000)

    calendar.add_minutes(_at(SHANGHAI, 2019, 1, 1, 9, 0), 10)
    calendar.add_minutes(_at(SHANGHAI, 2031, 1, 1, 9, 0), 10)

    assert calendar.add_minutes(start, 5000) == first
    assert calendar.minutes_between(start, first) == 5000


def test_open_intervals_lists_the_working_hours_clipped_to_the_span():
    calendar = _china_office()

    intervals = calendar.open_intervals(
        _at(SHANGHAI, 2026, 2, 13, 10, 0), _at(SHANGHAI, 2026, 2, 24, 10, 0)
    )

    assert intervals == [
        (_at(SHANGHAI, 2026, 2, 13, 10, 0), _at(SHANGHAI, 2026, 2, 13, 12, 0)),
        (_at(SHANGHAI, 2026, 2, 13, 13, 30), _at(SHANGHAI, 2026, 2, 13, 18, 0)),
        (_at(SHANGHAI, 2026, 2, 14, 9, 0), _at(SHANGHAI, 2026, 2, 14, 12, 0)),
        (_at(SHANGHAI, 2026, 2, 14, 13, 30), _at(SHANGHAI, 2026, 2, 14, 18, 0)),
        (_at(SHANGHAI, 2026, 2, 24, 9, 0), _at(SHANGHAI, 2026, 2, 24, 10, 0)),
    ]


# Bad input -------------------------------------------------------------------------------


def test_a_naive_datetime_is_refused():
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_minutes(datetime(2026, 3, 2, 9, 0), 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.is_open(datetime(2026, 3, 2, 9, 0))


@pytest.mark.parametrize("minutes", [-1, float("nan"), float("inf")])
def test_negative_or_non_finite_minutes_are_refused(minutes):
    calendar = WorkingCalendar("Asia/Shanghai", WEEKDAYS)

    with pytest.raises(ValueError, match="finite"):
        calendar.add_minutes(_at(SHANGHAI, 2026, 3, 2, 9, 0), minutes)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("Mars/Olympus_Mons", WEEKDAYS), "Unknown time zone"),
        (("Asia/Shanghai", {}), "at least one weekday"),
        (("Asia/Shanghai", {7: OFFICE}), "0 \\(Monday\\) to 6"),
        (("Asia/Shanghai", {0: [(time(18), time(9))]}), "must end after it starts"),
        (
            ("Asia/Shanghai", WEEKDAYS, {date(2026, 2, 14)}, {date(2026, 2, 14)}),
            "both a holiday and a workday: 2026-02-14",
        ),
    ],
)
def test_a_calendar_that_makes_no_sense_is_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(*arguments)


def test_parse_hours_reads_intervals_midnight_and_closed_days():
    assert parse_hours("09:00-12:00, 13:30-18:00") == OFFICE
    assert parse_hours("00:00-24:00") == [(time(0), time(0))]
    assert parse_hours("") == []
    assert parse_hours("closed") == []
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        parse_hours("9 to 5")
    with pytest.raises(ValueError, match="time of day"):
        parse_hours("09:00-25:00")
