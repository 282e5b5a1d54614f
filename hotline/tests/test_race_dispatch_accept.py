"""Two people acting on the same order at the same instant, with real threads and real
transactions: exactly one wins, the other is told plainly, and the timeline shows one
step. Runs on whichever database the suite runs on (SQLite in WAL mode with IMMEDIATE
transactions, or PostgreSQL)."""

import threading
from functools import partial

import pytest
from django.db import close_old_connections, connection

from hotline import services
from hotline.models import Order, OrderEvent
from hotline.tests.factories import ensure_catalogue, make_order, make_provider
from linli import testing as t
from linli.lib.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _catalogue():
    # A transactional test starts from a flushed database: put the seeded categories back.
    ensure_catalogue()


ROUNDS = 25


def race(*actions):
    """Run the actions in parallel threads released at the same moment; return what
    each one returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as exc:  # noqa: BLE001 — the outcome is what we inspect
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return results


@pytest.fixture
def two_operators(community):
    return (
        t.make_user("op_a", role=t.Role.OPERATOR, community=community),
        t.make_user("op_b", role=t.Role.OPERATOR, community=community),
    )


def test_two_operators_dispatching_at_once_exactly_one_wins(two_operators, grid_worker, household):
    first, second = two_operators
    provider = make_provider(household.building.compound.grid.community)
    for _ in range(ROUNDS):
        order = make_order(first, household=household)
        mine, theirs = Order.objects.get(pk=order.pk), Order.objects.get(pk=order.pk)
        results = race(
            partial(services.dispatch_order, acting_user=first, order=mine, user=grid_worker),
            partial(services.dispatch_order, acting_user=second, order=theirs, provider=provider),
        )
        wins = [r for r in results if isinstance(r, Order)]
        losses = [r for r in results if isinstance(r, Conflict)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert "dispatched" in str(losses[0]) or "派" in str(losses[0])
        assert OrderEvent.objects.filter(order=order, kind="dispatched").count() == 1
        order.refresh_from_db()
        assert order.state == Order.State.DISPATCHED
        # The assignee is the winner's choice, never a mix of both.
        assigned = [order.assignee_user_id, order.assignee_provider_id]
        assert sum(1 for a in assigned if a) == 1


def test_two_people_accepting_at_once_exactly_one_wins(two_operators, grid_worker, household):
    first, _second = two_operators
    for _ in range(ROUNDS):
        order = make_order(first, household=household)
        services.dispatch_order(acting_user=first, order=order, user=grid_worker)
        mine, theirs = Order.objects.get(pk=order.pk), Order.objects.get(pk=order.pk)
        results = race(
            partial(services.accept_order, acting_user=grid_worker, order=mine),
            partial(services.accept_order, acting_user=first, order=theirs, channel="phone"),
        )
        wins = [r for r in results if isinstance(r, Order)]
        losses = [r for r in results if isinstance(r, Conflict)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert "accepted" in str(losses[0]) or "签收" in str(losses[0])
        assert OrderEvent.objects.filter(order=order, kind="accepted").count() == 1


def test_orders_taken_at_the_same_instant_get_different_numbers(two_operators, household):
    first, second = two_operators
    results = []
    for _ in range(5):
        results += race(
            *[
                (lambda user=user: make_order(user, household=household, description="同时来电"))
                for user in (first, second, first, second)
            ]
        )
    assert all(isinstance(r, Order) for r in results), results
    numbers = [r.number for r in results]
    assert len(set(numbers)) == len(numbers) == 20


def test_two_call_backs_of_the_last_two_callers_close_the_order_once(
    two_operators, grid_worker, household
):
    from hotline.tests.factories import make_resident

    first, second = two_operators
    for _ in range(5):
        order = make_order(first, caller=make_resident(household, "甲"))
        other = services.attach_caller(acting_user=first, order=order, name="乙")
        services.dispatch_order(acting_user=first, order=order, user=grid_worker)
        services.accept_order(acting_user=grid_worker, order=order)
        services.resolve_order(acting_user=grid_worker, order=order, resolution="好了")
        one = order.contacts.exclude(pk=other.pk).get()
        mine, theirs = Order.objects.get(pk=order.pk), Order.objects.get(pk=order.pk)
        results = race(
            partial(
                services.record_callback,
                acting_user=first,
                order=mine,
                result="satisfied",
                contact=one,
            ),
            partial(
                services.record_callback,
                acting_user=second,
                order=theirs,
                result="satisfied",
                contact=other,
            ),
        )
        assert all(isinstance(r, Order | Conflict) for r in results), results
        order.refresh_from_db()
        # Either both call-backs landed and the order closed, or the second was told to
        # reload; never both contacts done with the order left open.
        done = order.contacts.exclude(callback_result="").count()
        if done == 2:
            assert order.state == Order.State.CLOSED
        else:
            assert order.state == Order.State.RESOLVED
        assert order.events.filter(kind="closed").count() <= 1
