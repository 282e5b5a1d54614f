"""Every step refused in every state where the lifecycle does not allow it: a clear
error, and nothing written (no event, no state change, no audit row)."""

import pytest

from accounts.models import AuditLog
from hotline import services
from hotline.models import Order, OrderEvent
from hotline.tests.factories import make_order, make_resident
from linli.lib.errors import Conflict, ServiceError

pytestmark = pytest.mark.django_db
State = Order.State


@pytest.fixture
def order_in(operator, grid_worker, household):
    """Make an order in the given state through the real services."""

    def make(state):
        order = make_order(operator, caller=make_resident(household))
        if state == State.RECEIVED:
            return order
        if state == State.MERGED:
            other = make_order(operator, household=household)
            services.merge_orders(acting_user=operator, duplicate=order, into=other)
            return order
        if state == State.WITHDRAWN:
            return services.withdraw_order(acting_user=operator, order=order, reason="不需要了")
        services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
        if state == State.DISPATCHED:
            return order
        if state == State.RETURNED:
            return services.return_order(acting_user=grid_worker, order=order, reason="不归我管")
        services.accept_order(acting_user=grid_worker, order=order)
        if state == State.ACCEPTED:
            return order
        services.start_work(acting_user=grid_worker, order=order)
        if state == State.IN_PROGRESS:
            return order
        services.resolve_order(acting_user=grid_worker, order=order, resolution="好了")
        if state == State.RESOLVED:
            return order
        if state == State.CALLED_BACK:
            return services.record_callback(
                acting_user=operator,
                order=order,
                result="unsatisfied",
                keep_closed_reason="超出职责",
            )
        services.record_callback(acting_user=operator, order=order, result="satisfied")
        assert order.state == State.CLOSED
        return order

    return make


def _steps(operator, leader, grid_worker):
    return {
        "dispatch": lambda o: services.dispatch_order(
            acting_user=operator, order=o, user=grid_worker
        ),
        "accept": lambda o: services.accept_order(acting_user=operator, order=o),
        "start": lambda o: services.start_work(acting_user=operator, order=o),
        "return": lambda o: services.return_order(acting_user=operator, order=o, reason="退"),
        "resolve": lambda o: services.resolve_order(acting_user=operator, order=o, resolution="好"),
        "callback": lambda o: services.record_callback(
            acting_user=operator, order=o, result="satisfied"
        ),
        "withdraw": lambda o: services.withdraw_order(acting_user=operator, order=o, reason="撤"),
        "close": lambda o: services.close_order(acting_user=operator, order=o),
        "merge": lambda o: services.merge_orders(
            acting_user=operator, duplicate=o, into=make_order(operator, location_text="别处")
        ),
        "supervise": lambda o: services.supervise_order(acting_user=leader, order=o, note="督办"),
    }


ALL = list(State.values)
LEGAL = {
    "dispatch": {State.RECEIVED, State.RETURNED},
    "accept": {State.DISPATCHED},
    "start": {State.ACCEPTED},
    "return": {State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS},
    "resolve": {State.ACCEPTED, State.IN_PROGRESS},
    "callback": {State.RESOLVED},
    "withdraw": {
        State.RECEIVED,
        State.DISPATCHED,
        State.ACCEPTED,
        State.IN_PROGRESS,
        State.RETURNED,
    },
    "close": {State.CALLED_BACK},
    "merge": {
        State.RECEIVED,
        State.DISPATCHED,
        State.ACCEPTED,
        State.IN_PROGRESS,
        State.RETURNED,
        State.RESOLVED,
    },
    "supervise": set(ALL) - {State.CLOSED, State.MERGED, State.WITHDRAWN},
}
STEPS = sorted(LEGAL)


@pytest.mark.parametrize("step", STEPS)
def test_a_step_is_refused_in_every_state_the_lifecycle_does_not_allow(
    step, order_in, operator, leader, grid_worker
):
    run = _steps(operator, leader, grid_worker)[step]
    for state in ALL:
        if state in LEGAL[step]:
            continue
        order = order_in(state)
        events = OrderEvent.objects.count()
        audits = AuditLog.objects.count()
        with pytest.raises(ServiceError) as caught:
            run(order)
        assert str(caught.value), (step, state)  # a sentence for people, never empty
        order.refresh_from_db()
        assert order.state == state, (step, state)
        # A merge makes its target order first; apart from that nothing was written.
        if step != "merge":
            assert OrderEvent.objects.count() == events, (step, state)
            assert AuditLog.objects.count() == audits, (step, state)


@pytest.mark.parametrize("step", STEPS)
def test_a_step_succeeds_in_every_state_the_lifecycle_allows(
    step, order_in, operator, leader, grid_worker
):
    run = _steps(operator, leader, grid_worker)[step]
    for state in sorted(LEGAL[step]):
        order = order_in(state)
        events = order.events.count()
        run(order)
        assert order.events.count() > events, (step, state)
        assert order.state != state or step == "supervise", (step, state)


def test_accepting_an_order_someone_else_accepted_says_so_plainly(order_in, operator):
    order = order_in(State.ACCEPTED)
    with pytest.raises(Conflict, match="已经签收|already accepted"):
        services.accept_order(acting_user=operator, order=order)


def test_dispatching_an_order_someone_else_dispatched_says_so_plainly(
    order_in, operator, grid_worker
):
    order = order_in(State.DISPATCHED)
    with pytest.raises(Conflict, match="已经派|already dispatched"):
        services.dispatch_order(acting_user=operator, order=order, user=grid_worker)


def test_a_stale_copy_of_an_order_loses_to_the_fresh_change(order_in, operator, grid_worker):
    order = order_in(State.RECEIVED)
    stale = Order.objects.get(pk=order.pk)
    services.withdraw_order(acting_user=operator, order=order, reason="撤了")
    with pytest.raises(Conflict):
        services.dispatch_order(acting_user=operator, order=stale, user=grid_worker)
    assert not OrderEvent.objects.filter(order=order, kind="dispatched").exists()


def test_dispatching_to_nobody_or_to_two_at_once_is_refused(order_in, operator, grid_worker):
    from hotline.tests.factories import make_provider

    order = order_in(State.RECEIVED)
    with pytest.raises(ServiceError):
        services.dispatch_order(acting_user=operator, order=order)
    provider = make_provider(order.community)
    with pytest.raises(ServiceError):
        services.dispatch_order(
            acting_user=operator, order=order, user=grid_worker, provider=provider
        )
    assert order.state == State.RECEIVED


def test_returning_needs_a_reason(order_in, grid_worker):
    order = order_in(State.DISPATCHED)
    with pytest.raises(ServiceError):
        services.return_order(acting_user=grid_worker, order=order, reason="  ")
    order.refresh_from_db()
    assert order.state == State.DISPATCHED


def test_resolving_needs_what_was_done(order_in, grid_worker):
    order = order_in(State.ACCEPTED)
    with pytest.raises(ServiceError):
        services.resolve_order(acting_user=grid_worker, order=order, resolution="")


def test_an_order_cannot_be_merged_into_itself(order_in, operator):
    order = order_in(State.RECEIVED)
    with pytest.raises(ServiceError):
        services.merge_orders(acting_user=operator, duplicate=order, into=order)


def test_an_unknown_call_back_result_is_refused(order_in, operator):
    order = order_in(State.RESOLVED)
    with pytest.raises(ServiceError):
        services.record_callback(acting_user=operator, order=order, result="great")
