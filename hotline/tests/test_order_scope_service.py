"""Who may do what to an order: roles, and the outsider test for every service.

The outsider of another community never sees an order (NotFound, as if it did not
exist); the grid worker of the neighbouring grid (grid A2) is an outsider to grid A1's
orders; a grid worker may only work on orders assigned to them.
"""

import pytest

from hotline import services
from hotline.models import Order, OrderContact, OrderEvent
from hotline.tests.factories import make_order, make_provider, make_resident
from linli.lib.errors import NotAllowed, NotFound, ServiceError

pytestmark = pytest.mark.django_db
State = Order.State


@pytest.fixture
def order(operator, household):
    return make_order(operator, caller=make_resident(household))


@pytest.fixture
def dispatched(order, operator, grid_worker):
    return services.dispatch_order(acting_user=operator, order=order, user=grid_worker)


@pytest.fixture
def resolved(dispatched, grid_worker):
    services.accept_order(acting_user=grid_worker, order=dispatched)
    return services.resolve_order(acting_user=grid_worker, order=dispatched, resolution="好了")


def every_step(user, order, other):
    """One call of every service on ``order`` by ``user``."""
    return {
        "attach_caller": lambda: services.attach_caller(acting_user=user, order=order, name="甲"),
        "dispatch": lambda: services.dispatch_order(
            acting_user=user, order=order, provider=make_provider(order.community)
        ),
        "accept": lambda: services.accept_order(acting_user=user, order=order),
        "start": lambda: services.start_work(acting_user=user, order=order),
        "note": lambda: services.add_note(acting_user=user, order=order, note="看看"),
        "return": lambda: services.return_order(acting_user=user, order=order, reason="不归我"),
        "resolve": lambda: services.resolve_order(acting_user=user, order=order, resolution="好"),
        "callback": lambda: services.record_callback(
            acting_user=user, order=order, result="satisfied"
        ),
        "merge": lambda: services.merge_orders(acting_user=user, duplicate=order, into=other),
        "withdraw": lambda: services.withdraw_order(acting_user=user, order=order, reason="撤"),
        "close": lambda: services.close_order(acting_user=user, order=order),
        "supervise": lambda: services.supervise_order(acting_user=user, order=order, note="督办"),
    }


def _assert_nothing_written(order, events_before):
    assert OrderEvent.objects.filter(order=order).count() == events_before


def test_an_outsider_of_another_community_gets_not_found_from_every_service(
    outsider, operator, dispatched, household
):
    other = make_order(operator, household=household)
    before = dispatched.events.count()
    for name, call in every_step(outsider, dispatched, other).items():
        with pytest.raises((NotFound, NotAllowed)) as caught:
            call()
        # Roles the outsider lacks say "not allowed"; the rest must look like "no such order".
        if name not in ("dispatch", "callback", "merge", "withdraw", "close", "supervise"):
            assert isinstance(caught.value, NotFound), name
    _assert_nothing_written(dispatched, before)


def test_the_leader_of_another_community_sees_nothing_either(
    operator, other_community, dispatched, household
):
    from linli import testing as t

    stranger = t.make_user("stranger", role=t.Role.LEADER, community=other_community)
    other = make_order(operator, household=household)
    before = dispatched.events.count()
    for name, call in every_step(stranger, dispatched, other).items():
        with pytest.raises(NotFound):
            call()
        assert name
    _assert_nothing_written(dispatched, before)


def test_the_grid_worker_of_another_grid_cannot_accept_or_resolve(grid_worker_b, dispatched):
    before = dispatched.events.count()
    with pytest.raises(NotFound):
        services.accept_order(acting_user=grid_worker_b, order=dispatched)
    with pytest.raises(NotFound):
        services.resolve_order(acting_user=grid_worker_b, order=dispatched, resolution="好")
    with pytest.raises(NotFound):
        services.return_order(acting_user=grid_worker_b, order=dispatched, reason="?")
    _assert_nothing_written(dispatched, before)


def test_a_grid_worker_cannot_accept_an_order_assigned_to_someone_else(operator, order, grid):
    from linli import testing as t

    colleague = t.make_user("grid1b", role=t.Role.GRID_WORKER, grid=grid)
    provider = make_provider(order.community)
    services.dispatch_order(acting_user=operator, order=order, provider=provider)
    with pytest.raises(NotAllowed):
        services.accept_order(acting_user=colleague, order=order)
    assert order.state == State.DISPATCHED


def test_an_order_outside_the_grid_cannot_be_dispatched_to_that_grids_worker(
    operator, grid_worker_b, order
):
    with pytest.raises(ServiceError):
        services.dispatch_order(acting_user=operator, order=order, user=grid_worker_b)
    assert order.state == State.RECEIVED


def test_a_provider_of_another_community_cannot_be_dispatched(operator, order, other_community):
    provider = make_provider(other_community)
    with pytest.raises(ServiceError):
        services.dispatch_order(acting_user=operator, order=order, provider=provider)


def test_grid_workers_and_volunteers_do_not_run_the_desk(grid_worker, volunteer, resolved, order):
    for user in (grid_worker, volunteer):
        with pytest.raises(NotAllowed):
            services.record_callback(acting_user=user, order=resolved, result="satisfied")
        with pytest.raises(NotAllowed):
            services.close_order(acting_user=user, order=resolved)
        with pytest.raises(NotAllowed):
            services.withdraw_order(acting_user=user, order=resolved, reason="撤")
    assert resolved.state == State.RESOLVED


def test_only_the_leader_supervises(operator, dispatched):
    with pytest.raises(NotAllowed):
        services.supervise_order(acting_user=operator, order=dispatched, note="督办")
    assert not Order.objects.get(pk=dispatched.pk).is_supervised


def test_the_county_leader_may_supervise_any_community_of_the_county(county_leader, dispatched):
    services.supervise_order(acting_user=county_leader, order=dispatched, note="县里督办")
    assert Order.objects.get(pk=dispatched.pk).is_supervised


def test_a_committee_member_or_liaison_cannot_take_calls(committee_member, liaison, household):
    for user in (committee_member, liaison):
        with pytest.raises(NotAllowed):
            make_order(user, household=household)
    assert not Order.objects.exists()


def test_an_outsider_cannot_open_an_order_at_our_household(outsider, household):
    with pytest.raises(NotFound):
        make_order(outsider, household=household)
    assert not Order.objects.exists()


def test_an_outsider_cannot_open_an_order_for_our_resident(outsider, household):
    caller = make_resident(household)
    with pytest.raises(NotFound):
        make_order(outsider, caller=caller, location_text="某处")
    assert not Order.objects.exists()


def test_a_grid_worker_cannot_open_an_order_in_another_grid(grid_worker_b, household):
    with pytest.raises(NotFound):
        make_order(grid_worker_b, household=household)


def test_an_outsider_cannot_attach_a_caller_or_merge(outsider, operator, order, household):
    other = make_order(operator, household=household)
    with pytest.raises((NotFound, NotAllowed)):
        services.attach_caller(acting_user=outsider, order=order, name="甲")
    with pytest.raises((NotFound, NotAllowed)):
        services.merge_orders(acting_user=outsider, duplicate=order, into=other)
    assert OrderContact.objects.filter(order=order).count() == 1


def test_the_duplicate_finder_never_crosses_communities(operator, household, other_household):
    from linli import testing as t

    make_order(operator, household=household, code="drain_blockage", description="下水道堵了")
    other_operator = t.make_user(
        "op2",
        role=t.Role.OPERATOR,
        community=other_household.building.compound.grid.community,
    )
    make_order(
        other_operator, household=other_household, code="drain_blockage", description="下水道堵了"
    )
    found = services.find_duplicates(
        community=household.building.compound.grid.community,
        category=Order.objects.first().category,
        household=household,
        text="下水道堵了",
    )
    assert {o.community_id for o in found} == {household.building.compound.grid.community.pk}
