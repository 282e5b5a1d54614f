"""The deadline sweep with a frozen clock: a warning before the deadline (once),
escalation to the community when nobody accepted in time, supervision (督办) when
overdue — across the Mid-Autumn holiday and a weekend. Running it twice changes
nothing the second time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils.translation import gettext as _

from hotline import services, sla, tasks
from hotline.models import Level, Notification, Order
from hotline.tests.factories import make_order, make_provider

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SH)


def sweep(moment):
    with time_machine.travel(moment, tick=False):
        return sla.sweep_deadlines()


@pytest.fixture
def thursday_order(operator, grid_worker, household):
    """A normal order taken at 16:00 on Thursday 24 September 2026, the eve of the
    Mid-Autumn Festival, and dispatched to the grid worker straight away."""
    with time_machine.travel(at(2026, 9, 24, 16, 0), tick=False):
        order = make_order(operator, household=household, description="楼道灯坏了")
        services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    return order


def test_the_deadlines_skip_the_holiday_and_the_weekend(thursday_order):
    assert thursday_order.response_due == at(2026, 9, 28, 16, 0)
    assert thursday_order.resolution_due == at(2026, 10, 12, 16, 0)


def test_nothing_happens_over_the_holiday_weekend(thursday_order):
    for moment in (at(2026, 9, 25, 10), at(2026, 9, 26, 23), at(2026, 9, 28, 13, 59)):
        assert sweep(moment) == {"warned": 0, "escalated": 0, "supervised": 0}
    assert not Notification.objects.exclude(kind="dispatched").exists()


def test_the_assignee_is_warned_once_before_the_response_deadline(thursday_order, grid_worker):
    assert sweep(at(2026, 9, 28, 14, 30))["warned"] == 1
    assert sweep(at(2026, 9, 28, 15, 0))["warned"] == 0
    order = Order.objects.get(pk=thursday_order.pk)
    assert order.warned_at == at(2026, 9, 28, 14, 30)
    warning = grid_worker.notifications.get(kind="deadline_warning")
    assert order.number in warning.subject
    assert order.events.filter(kind="warned").count() == 1


def test_an_order_not_accepted_in_time_climbs_to_the_community_and_is_supervised(
    thursday_order, operator, leader, grid_worker
):
    result = sweep(at(2026, 9, 28, 16, 1))
    assert result["escalated"] == 1 and result["supervised"] == 1
    order = Order.objects.get(pk=thursday_order.pk)
    assert order.level == Level.COMMUNITY
    assert order.escalated_at == at(2026, 9, 28, 16, 1)
    assert order.is_supervised
    escalated = order.events.get(kind="escalated")
    assert escalated.actor is None and escalated.channel == "task"
    assert operator.notifications.filter(kind="escalated", order=order).exists()
    assert leader.notifications.filter(kind="escalated", order=order).exists()
    assert leader.notifications.filter(kind="supervised", order=order).exists()
    assert grid_worker.notifications.filter(kind="supervised", order=order).exists()
    # Idempotent: a second sweep (or two workers at once) adds nothing.
    notes = Notification.objects.count()
    assert sweep(at(2026, 9, 28, 16, 2)) == {"warned": 0, "escalated": 0, "supervised": 0}
    assert Notification.objects.count() == notes
    assert order.events.filter(kind__in=("escalated", "supervised")).count() == 2


def test_an_accepted_order_is_not_escalated_but_supervised_when_resolution_is_late(
    thursday_order, grid_worker, leader
):
    with time_machine.travel(at(2026, 9, 28, 9, 0), tick=False):
        services.accept_order(acting_user=grid_worker, order=thursday_order)
    assert sweep(at(2026, 9, 28, 16, 1))["escalated"] == 0
    # Warned two hours before the resolution deadline of Monday 12 October.
    assert sweep(at(2026, 10, 12, 14, 30))["warned"] == 1
    assert sweep(at(2026, 10, 12, 16, 1)) == {"warned": 0, "escalated": 0, "supervised": 1}
    order = Order.objects.get(pk=thursday_order.pk)
    assert order.level == Level.GRID and order.is_supervised
    assert order.events.get(kind="supervised").note == _("Overdue: not resolved by the deadline.")
    assert leader.notifications.filter(kind="supervised").exists()


def test_a_resolved_order_is_never_overdue(thursday_order, grid_worker):
    with time_machine.travel(at(2026, 9, 28, 9, 0), tick=False):
        services.accept_order(acting_user=grid_worker, order=thursday_order)
        services.resolve_order(acting_user=grid_worker, order=thursday_order, resolution="换了灯")
    assert sweep(at(2026, 10, 20, 9, 0)) == {"warned": 0, "escalated": 0, "supervised": 0}


def test_an_urgent_order_nobody_dispatched_escalates_after_thirty_minutes(
    operator, household, leader
):
    with time_machine.travel(at(2026, 10, 3, 2, 0), tick=False):  # the night of a holiday
        order = make_order(
            operator,
            household=household,
            code="drain_blockage",
            urgency="urgent",
            description="粪水倒灌进店里",
        )
    assert order.response_due == at(2026, 10, 3, 2, 30)
    assert sweep(at(2026, 10, 3, 2, 29))["escalated"] == 0
    assert sweep(at(2026, 10, 3, 2, 31))["escalated"] == 1
    assert Order.objects.get(pk=order.pk).level == Level.COMMUNITY


def test_a_providers_deadline_warning_goes_to_the_staff_member_who_dispatched_it(
    operator, household
):
    provider = make_provider(household.building.compound.grid.community)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        order = make_order(operator, household=household, urgency="urgent", description="停电")
        services.dispatch_order(acting_user=operator, order=order, provider=provider)
    sweep(at(2026, 11, 23, 9, 21))
    assert operator.notifications.filter(kind="deadline_warning", order=order).exists()


def test_a_reopened_order_gets_fresh_deadlines(operator, grid_worker, household):
    from hotline.tests.factories import make_resident

    with time_machine.travel(at(2026, 11, 2, 9, 0), tick=False):
        order = make_order(operator, caller=make_resident(household), description="漏水")
        services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
        services.accept_order(acting_user=grid_worker, order=order)
        services.resolve_order(acting_user=grid_worker, order=order, resolution="补了")
    with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):
        services.record_callback(acting_user=operator, order=order, result="unsatisfied")
    order.refresh_from_db()
    assert order.response_due == at(2026, 11, 23, 10, 0)
    assert order.resolution_due > at(2026, 11, 27)
    assert not order.is_overdue(at(2026, 11, 20, 11, 0))


def test_the_sweep_runs_as_a_periodic_background_task(thursday_order):
    from django.apps import apps

    assert (60, "hotline.tasks.sweep_deadlines") in apps.get_app_config("hotline").periodic_tasks
    with time_machine.travel(at(2026, 9, 28, 16, 1), tick=False):
        result = tasks.sweep_deadlines.enqueue()
    assert result.return_value == {"warned": 0, "escalated": 1, "supervised": 1}
