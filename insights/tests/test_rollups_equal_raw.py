"""The rollups, kept up to date incrementally, always equal a recomputation from the
orders themselves — on random order histories walked through the real services."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline import clock, services, sla
from hotline.models import Order
from hotline.tests.factories import make_provider, make_unit
from insights import rollups
from insights.models import DayCount, MonthCount, OrderFact, TotalCount
from insights.tests.helpers import local, new_order
from linli import testing as t
from linli.lib.errors import ServiceError

State = Order.State

pytestmark = pytest.mark.django_db

CODES = ("appliance_repair", "drain_blockage", "elderly_emergency", "neighbour_dispute")
RESULTS = ("satisfied", "basic", "unsatisfied", "unreachable")

create = st.tuples(
    st.just("create"),
    st.integers(0, 2),  # place
    st.sampled_from(CODES),
    st.booleans(),  # solved on the call
)
step = st.one_of(
    create,
    # "advance" moves an order one step along the usual path, so that histories reach
    # call-backs and closing instead of stalling on illegal steps.
    *[st.tuples(st.just("advance"), st.integers(0, 9), st.integers(0, 7))] * 6,
    st.tuples(st.just("dispatch"), st.integers(0, 9), st.integers(0, 2)),
    st.tuples(st.just("return"), st.integers(0, 9)),
    st.tuples(st.just("callback"), st.integers(0, 9), st.sampled_from(RESULTS), st.booleans()),
    st.tuples(st.just("withdraw"), st.integers(0, 9)),
    st.tuples(st.just("merge"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("supervise"), st.integers(0, 9)),
    st.just(("sweep",)),
    st.tuples(st.just("wait"), st.integers(1, 600)),  # minutes
)
# A history: a few orders, then rounds of steps, each round ending with the clock moved
# on (often past a limit) and a refresh. Limits that pass between two refreshes with no
# event on the order are the case only the clock can catch.
round_ = st.tuples(
    st.lists(step, max_size=6),
    st.integers(1, 96).map(lambda hours: ("wait", hours * 60)),
)
history = st.tuples(st.lists(create, min_size=1, max_size=4), st.lists(round_, max_size=8)).map(
    lambda parts: (
        parts[0] + [item for steps, wait in parts[1] for item in (*steps, wait, ("refresh",))]
    )
)


@pytest.fixture
def world(
    monkeypatch,
    operator,
    leader,
    grid_worker,
    household,
    household_b,
    other_household,
    other_community,
):
    # The re-read window exists for commits that land out of id order under
    # concurrency; here it would recompute every order on every refresh and hide a
    # mistake in the watermark, so it is closed.
    monkeypatch.setattr(rollups, "REREAD_EVENTS", 0)
    other_operator = t.make_user(role=t.Role.OPERATOR, community=other_community)
    community = household.building.compound.grid.community
    return {
        "places": [
            (operator, household),
            (operator, household_b),
            (other_operator, other_household),
        ],
        "targets": [
            {"user": grid_worker},
            {"provider": make_provider(community)},
            {"unit": make_unit(community)},
        ],
        "operator": operator,
        "other_operator": other_operator,
        "leader": leader,
    }


def advance(user, order, target, choice):
    """The next usual step for ``order``, as hotline staff record it."""
    if order.state in (State.RECEIVED, State.RETURNED):
        services.dispatch_order(acting_user=user, order=order, **target)
    elif order.state == State.DISPATCHED:
        services.accept_order(acting_user=user, order=order)
    elif order.state == State.ACCEPTED and choice % 2:
        services.start_work(acting_user=user, order=order)
    elif order.state in (State.ACCEPTED, State.IN_PROGRESS):
        services.resolve_order(acting_user=user, order=order, resolution="处理好了")
    elif order.state == State.RESOLVED:
        services.record_callback(
            acting_user=user,
            order=order,
            result=RESULTS[choice % 4],
            keep_closed_reason="诉求已办结" if choice >= 4 else "",
        )
    elif order.state == State.CALLED_BACK:
        services.close_order(acting_user=user, order=order)


def run(world, steps):
    now = local(2026, 3, 10, 9, 0)
    orders: list[int] = []

    def pick(i):
        return Order.objects.select_related("category").get(pk=orders[i % len(orders)])

    def staff_for(order):
        if order.community_id == world["places"][2][1].building.compound.grid.community_id:
            return world["other_operator"]
        return world["operator"]

    for item in steps:
        name, args = item[0], item[1:]
        if name == "wait":
            now += dt.timedelta(minutes=args[0])
            continue
        if name == "refresh":
            rollups.refresh(now=now)
            assert rollups.differences() == []
            continue
        if name == "sweep":
            with clock.at(now):
                sla.sweep_deadlines(now)
            continue
        if name == "create":
            user, place = world["places"][args[0]]
            kwargs = {"solved_on_call": True, "resolution": "当场答复"} if args[2] else {}
            orders.append(new_order(user, place, now, code=args[1], **kwargs).pk)
            continue
        if not orders:
            continue
        order = pick(args[0])
        user = staff_for(order)
        try:
            with clock.at(now), transaction.atomic():
                target = world["targets"][args[1] % 3] if name in ("advance", "dispatch") else {}
                if target and user is world["other_operator"]:
                    target = {"provider": make_provider(order.community)}
                if name == "advance":
                    advance(user, order, target, args[1])
                elif name == "dispatch":
                    services.dispatch_order(acting_user=user, order=order, reassign=True, **target)
                elif name == "accept":
                    services.accept_order(acting_user=user, order=order)
                elif name == "start":
                    services.start_work(acting_user=user, order=order)
                elif name == "return":
                    services.return_order(acting_user=user, order=order, reason="不归我们管")
                elif name == "resolve":
                    services.resolve_order(acting_user=user, order=order, resolution="处理好了")
                elif name == "callback":
                    services.record_callback(
                        acting_user=user,
                        order=order,
                        result=args[1],
                        keep_closed_reason="诉求已办结" if args[2] else "",
                    )
                elif name == "close":
                    services.close_order(acting_user=user, order=order)
                elif name == "withdraw":
                    services.withdraw_order(acting_user=user, order=order, reason="不需要了")
                elif name == "merge":
                    services.merge_orders(acting_user=user, duplicate=order, into=pick(args[1]))
                elif name == "supervise" and user is world["operator"]:
                    services.supervise_order(
                        acting_user=world["leader"], order=order, note="抓紧办"
                    )
        except ServiceError:
            pass  # an illegal step for this order's state: the history goes on
    rollups.refresh(now=now)
    return now


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=history)
def test_incremental_rollups_equal_a_recomputation_from_the_orders(world, steps):
    with transaction.atomic():
        run(world, steps)
        assert rollups.differences() == []
        transaction.set_rollback(True)


def test_the_rebuild_command_gives_the_same_figures_as_the_incremental_refresh(world):
    steps = [
        ("create", 0, "appliance_repair", False),
        ("create", 1, "drain_blockage", False),
        ("create", 2, "neighbour_dispute", True),
        ("merge", 1, 0),
        ("dispatch", 0, 0),
        ("wait", 30),
        ("accept", 0),
        ("resolve", 0),
        ("callback", 0, "satisfied", False),
        ("refresh",),
        ("create", 0, "elderly_emergency", False),
        ("wait", 60 * 30),
        ("sweep",),
    ]
    now = run(world, steps)
    before = rollups.stored_tables()
    with time_machine.travel(now, tick=False):
        call_command("rebuild_rollups", stdout=io.StringIO())
    assert rollups.stored_tables() == before
    assert rollups.differences() == []
    assert OrderFact.objects.count() == 3
    assert DayCount.objects.exists() and MonthCount.objects.exists()
    assert TotalCount.objects.exists()


def test_an_event_read_twice_changes_nothing(world):
    run(world, [("create", 0, "appliance_repair", False), ("dispatch", 0, 0)])
    before = rollups.stored_tables()
    # Pretend the watermark fell behind: the same events are read again.
    from insights.models import RollupState

    RollupState.objects.update(last_event_id=0)
    rollups.refresh(now=local(2026, 3, 10, 9, 0))
    assert rollups.stored_tables() == before


def test_a_limit_passing_without_any_event_is_caught_by_the_next_refresh(world):
    now = run(world, [("create", 0, "appliance_repair", False), ("refresh",)])
    fact = OrderFact.objects.get()
    assert (fact.response_due, fact.overdue) == (0, 0)
    assert fact.next_check_at == Order.objects.get().response_due

    rollups.refresh(now=now + dt.timedelta(days=5))

    fact = OrderFact.objects.get()
    assert (fact.response_due, fact.responded_in_time, fact.overdue) == (1, 0, 1)
    assert rollups.differences() == []
