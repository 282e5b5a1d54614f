"""The three rates on hand-made cases, each order walked through the real services."""

import datetime as dt

import pytest

from hotline import clock, services
from insights.tests.helpers import (
    accept,
    call_back,
    dispatch,
    handled,
    local,
    month_totals,
    new_order,
    resolve,
)

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
APRIL = dt.date(2026, 4, 1)
START = local(2026, 3, 10, 9, 0)  # a Tuesday, a working day
LATER = local(2026, 3, 31, 20, 0)


def test_an_order_accepted_within_its_limit_is_responded_in_time(operator, grid_worker, household):
    order = new_order(operator, household, START)
    dispatch(operator, order, START, user=grid_worker)
    accept(grid_worker, order, START + dt.timedelta(hours=2))

    totals = month_totals(household.building.compound.grid.community, MARCH, now=LATER)

    assert (totals["responded_in_time"], totals["response_due"]) == (1, 1)
    assert totals.response.percent == "100.0%"


def test_an_order_accepted_after_its_limit_is_due_but_not_in_time(operator, grid_worker, household):
    order = new_order(operator, household, START)
    dispatch(operator, order, START, user=grid_worker)
    accept(grid_worker, order, order.response_due + dt.timedelta(minutes=1))

    totals = month_totals(household.building.compound.grid.community, MARCH, now=LATER)

    assert (totals["responded_in_time"], totals["response_due"]) == (0, 1)
    assert totals.response.percent == "0.0%"


def test_an_order_waiting_with_time_left_is_not_due_until_its_limit_passes(operator, household):
    community = household.building.compound.grid.community
    order = new_order(operator, household, START)

    before = month_totals(community, MARCH, now=START + dt.timedelta(minutes=5))
    assert (before["received"], before["response_due"], before["overdue"]) == (1, 0, 0)
    assert before.response.percent == "—"

    after = month_totals(community, MARCH, now=order.response_due + dt.timedelta(minutes=1))
    assert (after["response_due"], after["responded_in_time"], after["overdue"]) == (1, 0, 1)


def test_an_order_solved_on_the_call_is_responded_in_time(operator, household):
    new_order(operator, household, START, solved_on_call=True, resolution="陪老人聊了半小时")

    totals = month_totals(household.building.compound.grid.community, MARCH, now=LATER)

    assert (totals["received"], totals["solved_on_call"]) == (1, 1)
    assert (totals["responded_in_time"], totals["response_due"], totals["resolved"]) == (1, 1, 1)


def test_a_withdrawn_order_counts_nowhere(operator, grid_worker, household):
    order = new_order(operator, household, START)
    dispatch(operator, order, START, user=grid_worker)
    with clock.at(START + dt.timedelta(hours=1)):
        services.withdraw_order(acting_user=operator, order=order, reason="自己修好了")

    totals = month_totals(household.building.compound.grid.community, MARCH, now=LATER)

    assert all(value == 0 for value in totals.values())


def test_a_satisfied_call_back_counts_in_all_three_rates(operator, grid_worker, household):
    order = handled(operator, grid_worker, new_order(operator, household, START), START)
    call_back(operator, order, START + dt.timedelta(days=2), "satisfied")

    totals = month_totals(household.building.compound.grid.community, MARCH, now=LATER)

    assert (totals["confirmed"], totals["called_back"]) == (1, 1)
    assert (totals["pleased"], totals["reached"]) == (1, 1)
    assert [rate.percent for rate in totals.rates] == ["100.0%", "100.0%", "100.0%"]


def test_an_unreachable_call_back_counts_against_resolution_and_not_in_satisfaction(
    operator, grid_worker, household
):
    community = household.building.compound.grid.community
    reached = handled(operator, grid_worker, new_order(operator, household, START), START)
    call_back(operator, reached, START + dt.timedelta(days=2), "basic")
    lost = handled(operator, grid_worker, new_order(operator, household, START), START)
    call_back(operator, lost, START + dt.timedelta(days=2), "unreachable")

    once = month_totals(community, MARCH, now=LATER)
    # One failed attempt is not a result yet: the order waits for the second try.
    assert (once["called_back"], once["unreachable"]) == (1, 0)

    call_back(operator, lost, START + dt.timedelta(days=3), "unreachable")
    totals = month_totals(community, MARCH, now=LATER)

    assert (totals["called_back"], totals["confirmed"], totals["unreachable"]) == (2, 1, 1)
    assert totals.resolution.percent == "50.0%"
    assert (totals["reached"], totals["pleased"]) == (1, 1)
    assert totals.satisfaction.percent == "100.0%"


def test_unsatisfied_but_kept_resolved_is_confirmed_resolved_and_not_satisfied(
    operator, grid_worker, household
):
    order = handled(operator, grid_worker, new_order(operator, household, START), START)
    call_back(
        operator,
        order,
        START + dt.timedelta(days=2),
        "unsatisfied",
        keep_closed_reason="下水道已疏通，居民对分摊费用有意见",
    )

    totals = month_totals(household.building.compound.grid.community, MARCH, now=LATER)

    assert (totals["called_back"], totals["confirmed"], totals["unsatisfied"]) == (1, 1, 1)
    assert totals.resolution.percent == "100.0%"
    assert totals.satisfaction.percent == "0.0%"


def test_a_reopened_order_waits_for_its_final_call_back_and_counts_once(
    operator, grid_worker, household
):
    community = household.building.compound.grid.community
    order = handled(operator, grid_worker, new_order(operator, household, START), START)
    call_back(operator, order, START + dt.timedelta(days=2), "unsatisfied", words="还漏")

    redoing = month_totals(community, MARCH, now=LATER)
    assert (redoing["reopened"], redoing["called_back"], redoing["unsatisfied"]) == (1, 0, 0)
    assert redoing.resolution.percent == "—"

    accept(grid_worker, order, START + dt.timedelta(days=3))
    resolve(grid_worker, order, START + dt.timedelta(days=5), resolution="重新做了防水")
    call_back(operator, order, START + dt.timedelta(days=6), "satisfied")
    final = month_totals(community, MARCH, now=LATER)

    assert (final["received"], final["called_back"], final["satisfied"]) == (1, 1, 1)
    assert (final["unsatisfied"], final["reopened"]) == (0, 1)


def test_merged_duplicates_count_once(operator, grid_worker, household, building):
    community = household.building.compound.grid.community
    first = new_order(operator, household, START, code="drain_blockage", description="下水道堵了")
    second = new_order(
        operator,
        building,
        START + dt.timedelta(hours=1),
        code="drain_blockage",
        description="楼下下水道又堵了",
        contact_name="王女士",
    )
    with clock.at(START + dt.timedelta(hours=2)):
        services.merge_orders(acting_user=operator, duplicate=second, into=first)
    handled(operator, grid_worker, first, START + dt.timedelta(hours=3))
    first.refresh_from_db()
    call_back(operator, first, START + dt.timedelta(days=2), "satisfied")
    call_back(operator, first, START + dt.timedelta(days=2, hours=1), "basic")

    totals = month_totals(community, MARCH, now=LATER)

    assert (totals["received"], totals["called_back"], totals["reached"]) == (1, 1, 1)
    assert totals["several_callers"] == 1
    # The overall result is the least satisfied voice reached.
    assert (totals["satisfied"], totals["basic"]) == (0, 1)


def test_an_order_counts_in_the_month_it_was_received_at_the_community(
    operator, grid_worker, household
):
    community = household.building.compound.grid.community
    # 23:30 on 31 March in Shanghai is still March, although it is 15:30 UTC.
    late_march = new_order(operator, household, local(2026, 3, 31, 23, 30))
    # 00:30 on 1 April in Shanghai is April, although UTC still says 31 March.
    new_order(operator, household, local(2026, 4, 1, 0, 30))
    handled(operator, grid_worker, late_march, local(2026, 4, 2, 9, 0))
    call_back(operator, late_march, local(2026, 4, 8, 10, 0), "satisfied")

    now = local(2026, 4, 20, 9, 0)
    march = month_totals(community, MARCH, now=now)
    april = month_totals(community, APRIL, now=now)

    assert (march["received"], march["called_back"], march["satisfied"]) == (1, 1, 1)
    assert (april["received"], april["called_back"]) == (1, 0)
