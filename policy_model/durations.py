"""ISO 8601 durations on the calendar: no month is 30.44 days, no year 365.25.

A duration is added to a date the way a calendar does it (``isodate``): years and
months move the month, clamped to its last day (31 January + P1M is 28 or 29
February), then weeks, days and hours are added. Two durations are compared on
the calendar too: ``exceeds(a, b)`` is true when, started on some day, ``a``
ends after ``b`` does. So P60M does not exceed P5Y, P12M does exceed P365D (a
leap year has 366 days), and P1Y does not exceed P12M.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

import isodate

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<y>\d{1,9})Y)?(?:(?P<mo>\d{1,9})M)?(?:(?P<w>\d{1,9})W)?(?:(?P<d>\d{1,9})D)?"
    r"(?:T(?=\d)(?:(?P<h>\d{1,9})H)?(?:(?P<mi>\d{1,9})M)?(?:(?P<s>\d{1,9})S)?)?$"
)

# Start days that show every way a calendar can end a duration: within any month a day
# from 1 to 28 never clamps (every month has 28 days), 29-31 may; four consecutive years
# hold one leap year, each month of each.
_STARTS = tuple(datetime(year, month, day) for year in range(2024, 2028)
                for month in range(1, 13) for day in (1, 29, 30, 31)
                if day <= (29 if month == 2 and year % 4 == 0 else 28 if month == 2
                           else 30 if month in (4, 6, 9, 11) else 31))


def check(text: str) -> str:
    """``text`` if it is an ISO 8601 duration like P30D, P6M or P10Y; ValueError otherwise."""
    if not _DURATION.match(text) or text.endswith("\n"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration like P30D, P6M or P10Y")
    return text


@lru_cache(maxsize=1024)
def parse(text: str) -> isodate.Duration | timedelta:
    """The calendar duration ``text`` stands for (checked first)."""
    return isodate.parse_duration(check(text))


BEYOND_CALENDAR = datetime.max
"""Where a duration that runs past the year 9999 ends: after every date the calendar holds."""


def _end(moment: datetime, duration: isodate.Duration | timedelta) -> datetime:
    try:
        end: datetime = moment + duration
    except (OverflowError, ValueError):  # past year 9999 (P100000Y): later than any date
        return BEYOND_CALENDAR
    return end


def _size(duration: isodate.Duration | timedelta) -> tuple[int, timedelta]:
    """Months, then the rest: the order of two durations that both run past the calendar."""
    if isinstance(duration, isodate.Duration):
        return int(duration.years) * 12 + int(duration.months), duration.tdelta
    return 0, duration


def add(start: date, text: str) -> datetime:
    """The moment ``text`` after the start of day ``start``, on the calendar.

    A duration that runs past the year 9999 ends at :data:`BEYOND_CALENDAR`.
    """
    moment = start if isinstance(start, datetime) else datetime(start.year, start.month,
                                                                  start.day)
    return _end(moment, parse(text))


@lru_cache(maxsize=4096)
def exceeds(longer: str, limit: str) -> bool:
    """Whether ``longer``, started on some day, ends after ``limit`` started that day."""
    first, second = parse(longer), parse(limit)
    for start in _STARTS:
        one, other = _end(start, first), _end(start, second)
        if one is BEYOND_CALENDAR and other is BEYOND_CALENDAR:
            return _size(first) > _size(second)
        if one > other:
            return True
    return False


def within(since: date, as_of: date, text: str) -> bool:
    """Whether ``since`` is no later than ``as_of`` and at most ``text`` before it."""
    return since <= as_of and add(as_of, "P0D") <= add(since, text)
