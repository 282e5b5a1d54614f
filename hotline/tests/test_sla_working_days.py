"""Working days follow the official calendar: weekends, public holidays and make-up days."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hotline import sla
from hotline.models import LimitUnit, SlaLimit, Urgency
from hotline.tests.factories import category
from linli.lib import workdays

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SH)


def test_one_working_day_from_friday_morning_is_monday_morning():
    assert workdays.add_working_days(at(2026, 11, 20, 10, 0), 1) == at(2026, 11, 23, 10, 0)


def test_the_mid_autumn_holiday_and_the_weekend_are_skipped():
    # Thu 24 Sep 2026; Fri 25 is the Mid-Autumn Festival, then the weekend.
    assert workdays.add_working_days(at(2026, 9, 24, 16, 0), 1) == at(2026, 9, 28, 16, 0)


def test_a_make_up_saturday_counts_as_a_working_day():
    # After the National Day week, Saturday 10 October 2026 is a working day.
    assert workdays.is_working_day(dt.date(2026, 10, 10))
    assert workdays.add_working_days(at(2026, 9, 30, 10, 0), 3) == at(2026, 10, 10, 10, 0)


def test_a_request_on_a_rest_day_counts_from_the_next_working_morning():
    # Saturday afternoon + 1 working day = by the end of Monday (Tuesday 00:00).
    assert workdays.add_working_days(at(2026, 11, 21, 15, 30), 1) == at(2026, 11, 24, 0, 0)


def test_zero_working_days_on_a_working_day_is_the_same_moment():
    assert workdays.add_working_days(at(2026, 11, 23, 9, 0), 0) == at(2026, 11, 23, 9, 0)


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday(monkeypatch):
    warnings = []
    monkeypatch.setattr(workdays.logger, "warning", lambda *a, **k: warnings.append(a))
    monkeypatch.setattr(workdays, "_warned_years", set())
    workdays.is_working_day.cache_clear()
    year = workdays.last_known_year() + 1
    friday = next(dt.date(year, 1, d) for d in range(1, 8) if dt.date(year, 1, d).weekday() == 4)
    moment = dt.datetime.combine(friday, dt.time(10), tzinfo=SH)
    assert workdays.add_working_days(moment, 1) == moment + dt.timedelta(days=3)
    assert workdays.add_working_days(moment, 2) == moment + dt.timedelta(days=4)
    assert len(warnings) == 1  # once per unknown year, not once per day
    workdays.is_working_day.cache_clear()


def test_the_calendar_knows_at_least_the_current_year():
    assert workdays.last_known_year() >= 2026


def test_working_days_between_counts_the_days_after_the_start():
    assert workdays.working_days_between(dt.date(2026, 9, 24), dt.date(2026, 9, 29)) == 2


@pytest.mark.django_db
def test_the_seeded_defaults_are_the_issues_time_limits():
    assert sla.limits_for(category("elderly_emergency"), Urgency.URGENT) == sla.Limits(
        30, "minutes", 24, "hours", 10
    )
    assert sla.limits_for(category("roof_leak"), Urgency.PRESSING) == sla.Limits(
        2, "hours", 3, "working_days", 30
    )
    assert sla.limits_for(category("other"), Urgency.NORMAL) == sla.Limits(
        1, "working_days", 7, "working_days", 120
    )


@pytest.mark.django_db
def test_a_category_limit_overrides_the_default_for_its_urgency():
    drains = category("drain_blockage")
    SlaLimit.objects.create(
        category=drains,
        urgency=Urgency.URGENT,
        response_amount=15,
        response_unit=LimitUnit.MINUTES,
        resolution_amount=6,
        resolution_unit=LimitUnit.HOURS,
    )
    start = at(2026, 11, 23, 9, 0)
    assert sla.deadlines(drains, Urgency.URGENT, start) == (
        at(2026, 11, 23, 9, 15),
        at(2026, 11, 23, 15, 0),
    )
    # Other categories keep the urgency's default.
    assert sla.deadlines(category("other"), Urgency.URGENT, start)[0] == at(2026, 11, 23, 9, 30)


@pytest.mark.django_db
def test_without_any_rows_the_built_in_defaults_apply():
    SlaLimit.objects.all().delete()
    response, resolution = sla.deadlines(category("other"), Urgency.PRESSING, at(2026, 9, 24, 9))
    assert response == at(2026, 9, 24, 11)
    assert resolution == at(2026, 9, 30, 9)
