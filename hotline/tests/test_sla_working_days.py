"""Working days follow the official calendar: weekends, public holidays and make-up days."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotline import sla
from hotline.models import CalendarDay, LimitUnit, SlaLimit, Urgency
from hotline.tests.factories import category, ensure_catalogue, make_order
from linli.lib import workdays

SH = ZoneInfo("Asia/Shanghai")
# Every day's status may come from the days an administrator entered (the database).
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # Entered days are kept per process for a while; a test's rolled-back rows must
    # not linger into the next test.
    workdays.forget_entered_days()
    yield
    workdays.forget_entered_days()


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


def test_a_year_nobody_knows_falls_back_to_monday_to_friday_with_one_warning(caplog):
    year = workdays.last_known_year() + 1
    friday = next(dt.date(year, 1, d) for d in range(1, 8) if dt.date(year, 1, d).weekday() == 4)
    moment = dt.datetime.combine(friday, dt.time(10), tzinfo=SH)
    with caplog.at_level("WARNING", logger=workdays.logger.name):
        assert workdays.add_working_days(moment, 1) == moment + dt.timedelta(days=3)
        assert workdays.add_working_days(moment, 2) == moment + dt.timedelta(days=4)
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1  # once per unknown year, not once per day
    assert str(year) in warnings[0].getMessage()


def test_a_year_long_before_the_package_also_falls_back_instead_of_crashing():
    assert workdays.is_working_day(dt.date(1999, 10, 1))  # a Friday
    assert not workdays.is_working_day(dt.date(1999, 10, 2))


# --- days entered by an administrator ----------------------------------------------------

# A schedule for 2027 in the shape the State Council publishes (not the real one: the
# package does not know 2027, which is the point). Spring Festival off Mon 8 – Fri 12
# February; Saturday 20 February worked instead.
SPRING_FESTIVAL_2027 = [dt.date(2027, 2, d) for d in range(8, 13)]
MAKE_UP_2027 = dt.date(2027, 2, 20)


def enter_2027():
    for day in SPRING_FESTIVAL_2027:
        CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name="春节")
    CalendarDay.objects.create(date=MAKE_UP_2027, kind=CalendarDay.Kind.WORKDAY, name="春节调休")


def test_the_package_does_not_know_2027():
    # When it does, raise chinesecalendar's lower bound in pyproject.toml; the days
    # entered in the admin then only matter for later years.
    assert workdays.last_known_year() < 2027


def test_entered_holidays_and_make_up_days_of_an_unknown_year_are_used(caplog):
    enter_2027()
    with caplog.at_level("WARNING", logger=workdays.logger.name):
        # Friday 5 February + 1 working day jumps the festival week to Monday 15.
        assert workdays.add_working_days(at(2027, 2, 5, 10, 0), 1) == at(2027, 2, 15, 10, 0)
        # The make-up Saturday is a working day; the Sunday after it is not.
        assert workdays.add_working_days(at(2027, 2, 19, 10, 0), 1) == at(2027, 2, 20, 10, 0)
        assert workdays.add_working_days(at(2027, 2, 20, 10, 0), 1) == at(2027, 2, 22, 10, 0)
        # Days not entered follow Monday to Friday.
        assert workdays.add_working_days(at(2027, 3, 5, 10, 0), 1) == at(2027, 3, 8, 10, 0)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_an_entered_day_wins_over_the_package():
    # A local correction: Monday 23 November 2026 declared a day off.
    CalendarDay.objects.create(date=dt.date(2026, 11, 23), kind=CalendarDay.Kind.HOLIDAY)
    assert workdays.add_working_days(at(2026, 11, 20, 10, 0), 1) == at(2026, 11, 24, 10, 0)


def test_an_order_taken_in_2027_gets_deadlines_that_skip_the_entered_festival(operator, household):
    ensure_catalogue()
    enter_2027()
    with time_machine.travel(at(2027, 2, 5, 10, 0), tick=False):
        order = make_order(operator, code="other", household=household, urgency="normal")
    # normal: accept within 1 working day, resolve within 7 (see the seeded limits).
    assert order.response_due == at(2027, 2, 15, 10, 0)
    assert order.resolution_due == at(2027, 2, 22, 10, 0)


def test_days_entered_in_the_admin_count_at_once_and_are_audited(login):
    from accounts.models import AuditLog
    from linli import testing as t

    client = login(t.make_user("root", is_staff=True, is_superuser=True))
    assert workdays.is_working_day(dt.date(2027, 2, 8))  # read (and kept) before
    response = client.post(
        "/admin/hotline/calendarday/add/",
        {"date": "2027-02-08", "kind": "holiday", "name": "春节"},
    )
    assert response.status_code == 302
    assert not workdays.is_working_day(dt.date(2027, 2, 8))
    assert AuditLog.objects.filter(action="calendarday.create").exists()
    day = CalendarDay.objects.get()
    client.post(f"/admin/hotline/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert workdays.is_working_day(dt.date(2027, 2, 8))


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
