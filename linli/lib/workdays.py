"""Working days under China's official calendar: public holidays off, make-up days on.

The official schedule (国务院办公厅 holiday notice) is published each winter for the
next year. Where a day's status comes from, the first that knows it wins:

1. the days an administrator entered (the hotline's *official calendar days*, found
   through the source registered with ``set_entered_days``): a year the package does
   not know yet, or a local correction;
2. the tables of the ``chinese_calendar`` package;
3. Monday–Friday, for a year neither knows, with a warning logged once per year: a
   deployment that has not entered next year's days keeps working with slightly wrong
   deadlines around the holidays rather than failing.

This module has no models of its own (``linli/lib`` holds none): the app that keeps
the entered days registers a function that reads them.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

import chinese_calendar

logger = logging.getLogger(__name__)

#: How long one process keeps a year's entered days before reading them again. A
#: change made in the admin is seen at once by the process that made it (the app
#: calls ``forget_entered_days``) and within this time by the others.
ENTERED_DAYS_SECONDS = 300

EnteredDays = Callable[[int], dict[dt.date, bool]]

_source: EnteredDays | None = None
_entered: dict[int, tuple[float, dict[dt.date, bool]]] = {}
_lock = threading.Lock()
_warned_years: set[int] = set()


def set_entered_days(source: EnteredDays | None) -> None:
    """Register where the administrator's days are read from: ``source(year)`` returns
    {date: True for a working day, False for a day off}."""
    global _source
    _source = source
    forget_entered_days()


def forget_entered_days() -> None:
    """Drop the entered days read so far (after a change, and between tests)."""
    with _lock:
        _entered.clear()
        _warned_years.clear()


def _entered_days(year: int) -> dict[dt.date, bool]:
    if _source is None:
        return {}
    now = time.monotonic()
    with _lock:
        cached = _entered.get(year)
    if cached is not None and now - cached[0] < ENTERED_DAYS_SECONDS:
        return cached[1]
    days = _source(year)
    with _lock:
        _entered[year] = (now, days)
    return days


def last_known_year() -> int:
    """The latest year whose official holiday schedule the package knows."""
    return max(day.year for day in chinese_calendar.holidays)


def is_working_day(day: dt.date) -> bool:
    """True on a working day: Mon–Fri that is not a public holiday, or a make-up Saturday/Sunday."""
    entered = _entered_days(day.year)
    if day in entered:
        return entered[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if not entered and day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "The official holiday calendar for %s is not known: chinese_calendar "
                "knows up to %s and no days were entered for it. Counting Monday to "
                "Friday as working days. Enter the year's holidays and make-up working "
                "days in the admin (Hotline › Official calendar days), or upgrade the "
                "chinesecalendar package once it carries the schedule.",
                day.year,
                last_known_year(),
            )
        return day.weekday() < 5


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(moment: dt.datetime, days: int) -> dt.datetime:
    """The deadline ``days`` working days after ``moment``.

    The clock time is kept: a request at 10:00 on a Friday with one working day is due
    at 10:00 on the next working day (Monday, or later after a holiday). A request that
    arrives on a rest day counts from the start (00:00) of the next working day, so one
    working day from Saturday afternoon is "by the end of Monday".

    ``moment`` must be timezone-aware; the calendar is read in the current time zone
    (Asia/Shanghai), since holidays are Chinese dates.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    from django.utils import timezone

    local = timezone.localtime(moment)
    day = local.date()
    clock = local.timetz().replace(tzinfo=None)
    if not is_working_day(day):
        day = next_working_day(day)
        clock = dt.time(0, 0)
    for _ in range(days):
        day = next_working_day(day + dt.timedelta(days=1))
    naive = dt.datetime.combine(day, clock)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie in (start, end] — used for reports of lateness."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
