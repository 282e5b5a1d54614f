"""The read-only questions insights and co-building ask of care."""

import datetime as dt

import pytest
import time_machine

from care import selectors, services
from care.models import CarePlan
from care.tests import factories as f
from people.models import Volunteer


@pytest.mark.django_db
def test_check_in_coverage_counts_contacts_on_schedule_and_missed(plan, grid_worker):
    plan.items.filter(kind="call").update(next_due=dt.date(2026, 3, 1))
    plan.items.filter(kind="visit").update(next_due=dt.date(2026, 3, 20))
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        services.record_check_in(
            acting_user=grid_worker, plan=plan, kind="visit", outcome="no_answer"
        )
        coverage = selectors.checkin_coverage(CarePlan.objects.all())
    assert (coverage.plans, coverage.contacts, coverage.missed) == (1, 2, 1)
    assert coverage.on_schedule_percent == 50
    assert (coverage.tries_last_30_days, coverage.reached_last_30_days) == (1, 0)


@pytest.mark.django_db
def test_coverage_of_a_scope_sees_only_that_scope(plan, grid_worker_b, outsider):
    assert selectors.checkin_coverage(CarePlan.objects.visible_to(grid_worker_b)).plans == 0
    assert selectors.checkin_coverage(CarePlan.objects.visible_to(outsider)).plans == 0
    assert (
        selectors.checkin_coverage(CarePlan.objects.visible_to(grid_worker_b)).on_schedule_percent
        is None
    )


@pytest.mark.django_db
def test_check_in_counts_by_outcome_for_a_period(plan, grid_worker):
    for day, outcome in ((2, "no_answer"), (2, "fine"), (9, "fine"), (20, "needs_help")):
        with time_machine.travel(f.at(2026, 3, day, 10), tick=False):
            services.record_check_in(
                acting_user=grid_worker, plan=plan, kind="call", outcome=outcome
            )
    counts = selectors.check_in_counts(
        CarePlan.objects.all(), f.at(2026, 3, 1, 0), f.at(2026, 3, 15, 0)
    )
    assert counts == {"fine": 2, "needs_help": 0, "no_answer": 1, "total": 3}


@pytest.mark.django_db
def test_hours_by_volunteer_for_a_quarter(operator, community):
    a = f.make_volunteer(community, "甲")
    b = f.make_volunteer(community, "乙")
    for volunteer, day, minutes in ((a, 5, 60), (a, 40, 90), (b, 200, 30)):
        services.add_service_hours(
            acting_user=operator,
            volunteer=volunteer,
            on_date=dt.date(2026, 1, 1) + dt.timedelta(days=day),
            minutes=minutes,
            note="服务",
        )
    hours = selectors.hours_by_volunteer(
        Volunteer.objects.all(), dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    assert hours == {a.pk: 150}
