"""Working days under China's official calendar: public holidays off, make-up days on.

The official schedule (国务院办公厅 holiday notice) is published each winter for the
next year; the ``chinese_calendar`` package carries those tables. For a year it does
not know yet we fall back to Monday–Friday and log a warning once per year, so a
deployment that has not upgraded the package keeps working with slightly wrong
deadlines around the holidays rather than failing.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar

logger = logging.getLogger(__name__)

_warned_years: set[int] = set()


def last_known_year() -> int:
    """The latest year whose official holiday schedule the package knows."""
    return max(day.year for day in chinese_calendar.holidays)


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    """True on a working day: Mon–Fri that is not a public holiday, or a make-up Saturday/Sunday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "The official holiday calendar for %s is not known to chinese_calendar "
                "(latest: %s); counting Monday to Friday as working days. Upgrade the "
                "chinesecalendar package when the State Council publishes the schedule.",
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
