"""Business time for SLA clocks: working hours, holidays, China's swapped workdays, pauses.

A `WorkingCalendar` answers "when is this target due?" (`add_minutes`) and "how much of the
target is used up?" (`minutes_between`) in business minutes: minutes that fall inside the
working hours of the calendar's time zone, on days that are not holidays, outside the ticket's
pauses (while it waits for the customer). Working hours are wall-clock times, so a day with a
DST change has the hours of the clock on the wall: 09:00–18:00 is nine real hours on any day,
and 00:00–24:00 is 23 or 25 hours on the days the clocks change.

How it is computed: the calendar lays its open intervals out once, as UTC microseconds, with
the running total of open time at the end of each interval (a timeline). The open time between
two instants is the difference of two running totals (one bisect each), and a deadline is a
bisect of "running total at the start + the target" into the totals. No loop runs over minutes,
days or weeks per call; the timeline is built day by day on first use, kept on the calendar, and
grown forwards or backwards (doubling its span) when an instant falls outside it. That makes
thousands of deadlines for one calendar a few microseconds each (`add_minutes_many`), which is
what the periodic SLA check over every open ticket needs.

Pure Python (zoneinfo, datetime, bisect): no Django import, no models; the SLA policies and
their stored calendars (service models) build `WorkingCalendar` objects from their rows.
"""

from __future__ import annotations

import json
import math
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "WorkingCalendar",
    "china_calendar",
    "china_calendar_years",
    "parse_hours",
]

Hours = Sequence[tuple[time, time]]
Pause = tuple[datetime, datetime | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_MINUTE = 60_000_000
_US_PER_DAY = 86_400_000_000
_DAY = timedelta(days=1)
# Days laid out on first use around the first instant asked for: a week back (a start in last
# week's closed time) and eight weeks ahead (a resolution target of a few weeks of office hours).
_FIRST_DAYS_BEFORE = 7
_FIRST_DAYS_AFTER = 56
# One growth adds at least this many days, and at most the timeline's span (it doubles).
_MIN_GROWTH_DAYS = 56
_MAX_GROWTH_DAYS = 3 * 366

_DATA_DIR = Path(__file__).resolve().parent / "data"
_CHINA_FILE = re.compile(r"^holidays_cn_(\d{4})\.json$")


def _to_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    try:
        delta = moment - _EPOCH
    except TypeError:
        raise ValueError(f"A timezone-aware datetime is required, not {moment!r}.") from None
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _to_datetime(moment: int) -> datetime:
    return _EPOCH + timedelta(microseconds=moment)


def _minutes_to_us(minutes: float) -> int:
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"Minutes must be a finite number, not negative: {minutes!r}.")
    return round(minutes * _US_PER_MINUTE)


def parse_hours(text: str) -> list[tuple[time, time]]:
    """Parse working hours written as "09:00-12:00, 13:30-18:00" ("" or "closed": none).

    "24:00" is accepted as the end of the day and returned as time(0), which `WorkingCalendar`
    reads as midnight at the end of the day.
    """
    text = text.strip()
    if not text or text.lower() == "closed":
        return []
    hours = []
    for part in re.split(r"[,;，；]", text):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*", part)
        if match is None:
            raise ValueError(f"Not a working-hours interval (HH:MM-HH:MM): {part.strip()!r}.")
        sh, sm, eh, em = (int(group) for group in match.groups())
        if eh == 24 and em == 0:
            eh = 0
        if not (0 <= sh < 24 and 0 <= eh < 24 and sm < 60 and em < 60):
            raise ValueError(f"Not a time of day: {part.strip()!r}.")
        hours.append((time(sh, sm), time(eh, em)))
    return hours


def _normalise_hours(hours: Hours, weekday: int | str) -> tuple[tuple[time, time | None], ...]:
    """Sort, check and merge one day's intervals; an end of time(0) means midnight (24:00)."""
    spans = []
    for start, end in hours:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"Working hours are wall-clock times without a time zone ({weekday}).")
        if end == time(0):
            end_key = (24, 0, 0, 0)
        elif end > start:
            end_key = (end.hour, end.minute, end.second, end.microsecond)
        else:
            raise ValueError(
                f"An interval of working hours must end after it starts: {start}–{end} ({weekday})."
            )
        spans.append(((start.hour, start.minute, start.second, start.microsecond), end_key))
    spans.sort()
    merged: list[list[tuple[int, int, int, int]]] = []
    for start_key, end_key in spans:
        if merged and start_key <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end_key)
        else:
            merged.append([start_key, end_key])
    return tuple(
        (time(*start_key), None if end_key[0] == 24 else time(*end_key))
        for start_key, end_key in merged
    )


@dataclass(frozen=True, slots=True)
class _Timeline:
    """Open intervals of the local days [first_day, end_day) as UTC microseconds.

    `cum_ends[i]` is the running total of open microseconds at `ends[i]`. Totals have a fixed
    origin (0 at the first day the calendar ever laid out), so a total computed on one timeline
    stays valid on every grown one; the days laid out before the origin have negative totals.
    """

    first_day: date
    end_day: date
    lo: int
    hi: int
    starts: list[int]
    ends: list[int]
    cum_ends: list[int]
    cum_lo: int
    cum_hi: int

    def total_at(self, moment: int) -> int:
        """Running total of open microseconds at `moment` (lo <= moment <= hi)."""
        i = bisect_right(self.starts, moment) - 1
        if i < 0:
            return self.cum_lo
        end = self.ends[i]
        if moment < end:
            return self.cum_ends[i] - (end - moment)
        return self.cum_ends[i]

    def moment_at(self, total: int) -> int:
        """The earliest instant the running total reaches `total` (cum_lo < total <= cum_hi)."""
        i = bisect_left(self.cum_ends, total)
        return self.ends[i] - (self.cum_ends[i] - total)


class WorkingCalendar:
    """Working hours in a time zone, with holidays, swapped workdays and business-time arithmetic.

    - `tz`: an IANA time zone name ("Asia/Shanghai").
    - `weekly`: per weekday (0 = Monday … 6 = Sunday) a list of (start, end) wall-clock times,
      e.g. {0: [(time(9), time(12)), (time(13, 30), time(18))], ...}; a missing weekday is
      closed; an end of time(0) means midnight at the end of the day (so (time(0), time(0)) is
      the whole day and `WorkingCalendar.always_open(tz)` is 24×7).
    - `holidays`: dates closed all day, whatever their weekday.
    - `workdays`: dates open although their weekday is closed (China's 调休 weekend workdays);
      they get `workday_hours`, by default the hours of the first open weekday (Monday's).

    All methods take timezone-aware datetimes (any zone) and return them in UTC, as Django
    stores them. (Between two zones, == is False whenever one side is in the hour repeated when
    the clocks go back, PEP 495: convert to one zone before testing equality.) An instant is
    open when it is in [start, end) of an interval. The calendar is immutable; it caches its
    laid-out timeline, so keep one object per calendar and reuse it.
    Safe to share between threads.
    """

    def __init__(
        self,
        tz: str,
        weekly: Mapping[int, Hours],
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        *,
        workday_hours: Hours | None = None,
    ) -> None:
        try:
            self._zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"Unknown time zone: {tz!r}.") from error
        self._tz = tz
        unknown = sorted(set(weekly) - set(range(7)), key=repr)
        if unknown:
            raise ValueError(f"Weekdays are 0 (Monday) to 6 (Sunday), not {unknown!r}.")
        self._weekly = tuple(_normalise_hours(weekly.get(day, ()), day) for day in range(7))
        if not any(self._weekly):
            raise ValueError("A working calendar needs working hours on at least one weekday.")
        if workday_hours is None:
            self._workday_hours = next(hours for hours in self._weekly if hours)
        else:
            self._workday_hours = _normalise_hours(workday_hours, "workday_hours")
        self._holidays = frozenset(holidays)
        self._workdays = frozenset(workdays)
        both = sorted(self._holidays & self._workdays)
        if both:
            listed = ", ".join(day.isoformat() for day in both)
            raise ValueError(f"Dates cannot be both a holiday and a workday: {listed}.")
        self._timeline: _Timeline | None = None
        self._lock = threading.Lock()

    @classmethod
    def always_open(cls, tz: str) -> WorkingCalendar:
        """24×7: every minute counts (holidays do not apply)."""
        return cls(tz, {day: [(time(0), time(0))] for day in range(7)})

    def __repr__(self) -> str:
        return (
            f"<WorkingCalendar {self._tz}, {sum(map(bool, self._weekly))} open weekdays, "
            f"{len(self._holidays)} holidays, {len(self._workdays)} workdays>"
        )

    @property
    def tz(self) -> str:
        return self._tz

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def holidays(self) -> frozenset[date]:
        return self._holidays

    @property
    def workdays(self) -> frozenset[date]:
        return self._workdays

    def hours_on(self, day: date) -> tuple[tuple[time, time | None], ...]:
        """The working hours of a local date (None as an end means midnight)."""
        if day in self._holidays:
            return ()
        hours = self._weekly[day.weekday()]
        if not hours and day in self._workdays:
            return self._workday_hours
        return hours

    # Business-time arithmetic --------------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        at = _to_us(moment)
        timeline = self._covering(at, at)
        i = bisect_right(timeline.starts, at) - 1
        return i >= 0 and at < timeline.ends[i]

    def next_open(self, moment: datetime) -> datetime:
        """`moment` if it is open, else the instant the calendar next opens."""
        at = _to_us(moment)
        timeline = self._covering(at, at)
        i = bisect_right(timeline.starts, at) - 1
        if i >= 0 and at < timeline.ends[i]:
            return _to_datetime(at)
        i += 1
        while i >= len(timeline.starts):
            timeline = self._grown_forward(timeline)
            i = bisect_right(timeline.starts, at)
        return _to_datetime(timeline.starts[i])

    def minutes_between(self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> int:
        """Whole business minutes from `start` to `end`, not counting the pauses (floored).

        A pause is (start, end) or (start, None) for one still running; pauses may overlap
        each other and reach outside [start, end]. An `end` before `start` gives 0.
        """
        return self._business_us(_to_us(start), _to_us(end), pauses) // _US_PER_MINUTE

    def seconds_between(
        self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
    ) -> float:
        """Like `minutes_between`, in seconds and not rounded."""
        return self._business_us(_to_us(start), _to_us(end), pauses) / 1_000_000

    def add_minutes(
        self, start: datetime, minutes: float, pauses: Iterable[Pause] = ()
    ) -> datetime | None:
        """The deadline: the earliest instant by which `minutes` business minutes have run
        from `start`, skipping closed time and the pauses.

        A start in closed time runs from the next opening; a deadline that uses up an interval
        exactly is its closing time (e.g. 18:00, not 09:00 the next workday); 0 minutes is
        `start` itself. None when a pause that is still running (end None) stops the clock
        before the minutes run out: the deadline is not known until it ends.
        """
        at = _to_us(start)
        remaining = _minutes_to_us(minutes)
        if remaining == 0:
            return _to_datetime(at)
        cursor = at
        for pause_start, pause_end in self._merged_pauses(pauses, at, None):
            if pause_start > cursor:
                available = self._business_us(cursor, pause_start, ())
                if remaining <= available:
                    break
                remaining -= available
            if pause_end is None:
                return None
            cursor = max(cursor, pause_end)
        return _to_datetime(self._deadline_us(cursor, remaining))

    def add_minutes_many(self, items: Iterable[tuple[datetime, float]]) -> list[datetime]:
        """Deadlines of many (start, minutes) pairs on this calendar, in order, without pauses.

        The same result as `add_minutes` for each pair, a few microseconds each: the timeline is
        laid out once over the earliest to the latest start and every deadline is two bisects.
        (A paused ticket's deadline is add_minutes(resumed_at, minutes_left).)
        """
        amounts: dict[float, int] = {}  # an SLA check has a handful of distinct targets
        pairs = []
        for start, minutes in items:
            amount = amounts.get(minutes)
            if amount is None:
                amount = amounts[minutes] = _minutes_to_us(minutes)
            pairs.append((_to_us(start), amount))
        if not pairs:
            return []
        timeline = self._covering(min(pair[0] for pair in pairs), max(pair[0] for pair in pairs))
        # Timeline.total_at and moment_at, inlined: this loop is the periodic check's hot path.
        starts, ends, cum_ends = timeline.starts, timeline.ends, timeline.cum_ends
        deadlines = []
        append = deadlines.append
        for at, amount in pairs:
            if amount == 0:
                append(at)
                continue
            i = bisect_right(starts, at) - 1
            if i < 0:
                target = timeline.cum_lo + amount
            elif at < ends[i]:
                target = cum_ends[i] - (ends[i] - at) + amount
            else:
                target = cum_ends[i] + amount
            if target > timeline.cum_hi:
                while target > timeline.cum_hi:
                    timeline = self._grown_forward(timeline)
                starts, ends, cum_ends = timeline.starts, timeline.ends, timeline.cum_ends
            i = bisect_left(cum_ends, target)
            append(ends[i] - (cum_ends[i] - target))
        epoch = _EPOCH
        return [epoch + timedelta(microseconds=moment) for moment in deadlines]

    def minutes_between_many(self, items: Iterable[tuple[datetime, datetime]]) -> list[int]:
        """Whole business minutes of many (start, end) pairs on this calendar, without pauses."""
        pairs = [(_to_us(start), _to_us(end)) for start, end in items]
        if not pairs:
            return []
        lo = min(pair[0] for pair in pairs)
        hi = max(max(pair) for pair in pairs)
        timeline = self._covering(lo, hi)
        return [
            max(0, timeline.total_at(end) - timeline.total_at(start)) // _US_PER_MINUTE
            for start, end in pairs
        ]

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals between `start` and `end`, clipped to them."""
        lo, hi = _to_us(start), _to_us(end)
        if hi <= lo:
            return []
        timeline = self._covering(lo, hi)
        first = max(0, bisect_right(timeline.starts, lo) - 1)
        last = bisect_left(timeline.starts, hi)
        return [
            (_to_datetime(max(s, lo)), _to_datetime(min(e, hi)))
            for s, e in zip(timeline.starts[first:last], timeline.ends[first:last], strict=True)
            if e > lo
        ]

    # Internals ----------------------------------------------------------------------------

    def _to_local(self, moment: int) -> datetime:
        return (_EPOCH + timedelta(microseconds=moment)).astimezone(self._zone)

    def _local_date(self, moment: int) -> date:
        return self._to_local(moment).date()

    def _business_us(self, start: int, end: int, pauses: Iterable[Pause]) -> int:
        if end <= start:
            return 0
        timeline = self._covering(start, end)
        total = timeline.total_at(end) - timeline.total_at(start)
        for pause_start, pause_end in self._merged_pauses(pauses, start, end):
            total -= timeline.total_at(pause_end) - timeline.total_at(pause_start)
        return total

    def _deadline_us(self, start: int, amount: int) -> int:
        timeline = self._covering(start, start)
        target = timeline.total_at(start) + amount
        while target > timeline.cum_hi:
            timeline = self._grown_forward(timeline)
        return timeline.moment_at(target)

    @staticmethod
    def _merged_pauses(
        pauses: Iterable[Pause], lo: int, hi: int | None
    ) -> list[tuple[int, int | None]]:
        """Pauses as sorted, disjoint (start, end) microseconds clipped to [lo, hi].

        An end of None (a pause still running) stays None when `hi` is None, else becomes hi.
        """
        spans = []
        for pause_start, pause_end in pauses:
            begin = max(_to_us(pause_start), lo)
            finish = None if pause_end is None else _to_us(pause_end)
            if finish is None and hi is not None:
                finish = hi
            if hi is not None:
                finish = min(finish, hi)
                begin = min(begin, hi)
            if finish is not None and finish <= begin:
                continue
            spans.append((begin, finish))
        spans.sort(key=lambda span: span[0])
        merged: list[tuple[int, int | None]] = []
        for begin, finish in spans:
            if merged:
                last_begin, last_finish = merged[-1]
                if last_finish is None:
                    break
                if begin <= last_finish:
                    merged[-1] = (
                        last_begin,
                        None if finish is None else max(last_finish, finish),
                    )
                    continue
            merged.append((begin, finish))
        return merged

    def _covering(self, lo: int, hi: int) -> _Timeline:
        """A timeline that covers the instants lo..hi, laid out or grown if needed."""
        timeline = self._timeline
        if timeline is not None and timeline.lo <= lo and hi <= timeline.hi:
            return timeline
        with self._lock:
            timeline = self._timeline
            if timeline is None:
                first_day = self._local_date(lo) - timedelta(days=_FIRST_DAYS_BEFORE)
                end_day = self._local_date(hi) + timedelta(days=1 + _FIRST_DAYS_AFTER)
                timeline = self._laid_out(first_day, end_day, base=0, forwards=True)
            if lo < timeline.lo:
                span = min(
                    max((timeline.end_day - timeline.first_day).days, _MIN_GROWTH_DAYS),
                    _MAX_GROWTH_DAYS,
                )
                first_day = min(
                    self._local_date(lo) - timedelta(days=_FIRST_DAYS_BEFORE),
                    timeline.first_day - timedelta(days=span),
                )
                timeline = self._joined(
                    self._laid_out(
                        first_day, timeline.first_day, base=timeline.cum_lo, forwards=False
                    ),
                    timeline,
                )
            if hi > timeline.hi:
                span = min(
                    max((timeline.end_day - timeline.first_day).days, _MIN_GROWTH_DAYS),
                    _MAX_GROWTH_DAYS,
                )
                end_day = max(
                    self._local_date(hi) + timedelta(days=1 + _FIRST_DAYS_BEFORE),
                    timeline.end_day + timedelta(days=span),
                )
                timeline = self._joined(
                    timeline,
                    self._laid_out(timeline.end_day, end_day, base=timeline.cum_hi, forwards=True),
                )
            self._timeline = timeline
            return timeline

    def _grown_forward(self, timeline: _Timeline) -> _Timeline:
        return self._covering(timeline.lo, timeline.hi + 1)

    def _laid_out(self, first_day: date, end_day: date, *, base: int, forwards: bool) -> _Timeline:
        """The open intervals of [first_day, end_day), with running totals that end at `base`
        (backwards: the days come before an existing timeline) or start from it (forwards)."""
        starts: list[int] = []
        ends: list[int] = []
        lo = self._wall_to_us(first_day, time(0))
        last_finish = lo
        day = first_day
        while day < end_day:
            for start, end in self.hours_on(day):
                begin = max(self._wall_to_us(day, start), last_finish)
                finish = (
                    self._wall_to_us(day + _DAY, time(0))
                    if end is None
                    else (self._wall_to_us(day, end))
                )
                # Hours wholly inside the hour skipped when the clocks go forward do not exist.
                if finish > begin:
                    starts.append(begin)
                    ends.append(finish)
                    last_finish = finish
            day += _DAY
        open_total = sum(ends) - sum(starts)
        running = base if forwards else base - open_total
        cum_lo = running
        cum_ends = []
        for begin, finish in zip(starts, ends, strict=True):
            running += finish - begin
            cum_ends.append(running)
        return _Timeline(
            first_day=first_day,
            end_day=end_day,
            lo=lo,
            hi=self._wall_to_us(end_day, time(0)),
            starts=starts,
            ends=ends,
            cum_ends=cum_ends,
            cum_lo=cum_lo,
            cum_hi=running,
        )

    def _wall_to_us(self, day: date, clock: time) -> int:
        """The instant the calendar's clock shows `clock` on `day`.

        A time the clock shows twice (the hour repeated when the clocks go back) is its first
        occurrence. A time the clock skips (when they go forward) is the instant of the jump:
        working hours 01:00–02:30 on that night end when the clock jumps from 02:00 to 03:00,
        as a minute-by-minute reading of the wall clock would count them.
        """
        local = datetime.combine(day, clock, tzinfo=self._zone)
        moment = _to_us(local)
        if self._to_local(moment).replace(tzinfo=None) == local.replace(tzinfo=None):
            return moment
        # Skipped: read with the offset after the jump, the time falls before it; with the
        # offset before, after it. Offsets change on whole seconds: bisect the seconds between.
        earlier = _to_us(local.replace(fold=1)) // 1_000_000
        later = -(-moment // 1_000_000)
        offset_after = self._to_local(later * 1_000_000).utcoffset()
        while later - earlier > 1:
            middle = (earlier + later) // 2
            if self._to_local(middle * 1_000_000).utcoffset() == offset_after:
                later = middle
            else:
                earlier = middle
        return later * 1_000_000

    @staticmethod
    def _joined(earlier: _Timeline, later: _Timeline) -> _Timeline:
        return _Timeline(
            first_day=earlier.first_day,
            end_day=later.end_day,
            lo=earlier.lo,
            hi=later.hi,
            starts=earlier.starts + later.starts,
            ends=earlier.ends + later.ends,
            cum_ends=earlier.cum_ends + later.cum_ends,
            cum_lo=earlier.cum_lo,
            cum_hi=later.cum_hi,
        )


# China's official calendar -----------------------------------------------------------------


def china_calendar_years() -> list[int]:
    """The years whose official holiday notice ships in rapport/service/data."""
    return sorted(
        int(match.group(1))
        for path in _DATA_DIR.iterdir()
        if (match := _CHINA_FILE.match(path.name))
    )


def china_calendar(year: int) -> tuple[set[date], set[date]]:
    """China's public holidays and weekend workdays (调休) of a year, from the State Council's
    notice shipped as rapport/service/data/holidays_cn_<year>.json.

    Raises LookupError for a year that is not shipped (administrators enter it themselves).
    """
    holidays, workdays = _china_calendar(year)
    return set(holidays), set(workdays)


@cache
def _china_calendar(year: int) -> tuple[frozenset[date], frozenset[date]]:
    path = _DATA_DIR / f"holidays_cn_{int(year)}.json"
    if not path.is_file():
        shipped = ", ".join(map(str, china_calendar_years())) or "none"
        raise LookupError(
            f"China's holiday calendar for {year} is not shipped (shipped: {shipped})."
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    holidays: set[date] = set()
    workdays: set[date] = set()
    for holiday in data["holidays"]:
        first, last = date.fromisoformat(holiday["from"]), date.fromisoformat(holiday["until"])
        if last < first:
            raise ValueError(f"{path.name}: {holiday['name']} ends before it starts.")
        days = {first + timedelta(days=n) for n in range((last - first).days + 1)}
        holidays |= days
        workdays |= {date.fromisoformat(day) for day in holiday.get("workdays", ())}
    if holidays & workdays:
        raise ValueError(f"{path.name}: a date is both a holiday and a workday.")
    return frozenset(holidays), frozenset(workdays)
