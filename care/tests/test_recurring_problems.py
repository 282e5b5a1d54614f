"""Recurring problems: the same category at the same place three times within 180 days
raises a card, with the orders behind it."""

import pytest
import time_machine

from care import services
from care.models import RecurrenceRule, RecurringProblem
from care.tests import factories as f
from hotline import services as hotline
from linli import testing as t
from linli.lib.errors import Conflict, NotAllowed, NotFound, ServiceError


def drain(operator, moment, **place):
    with time_machine.travel(moment, tick=False):
        return f.make_order(operator, **place)


def detect(moment):
    with time_machine.travel(moment, tick=False):
        return services.detect_recurring_problems()


@pytest.mark.django_db
def test_the_third_drain_order_at_one_building_raises_a_card_and_the_second_does_not(
    operator, building, leader
):
    first, second = (t.make_household(building, r) for r in ("101", "201"))
    drain(operator, f.at(2026, 1, 5), household=first)
    drain(operator, f.at(2026, 2, 5), household=second)
    assert detect(f.at(2026, 2, 6)) == []
    third = drain(operator, f.at(2026, 3, 5), household=first)
    [card] = detect(f.at(2026, 3, 6))
    assert card.level == RecurringProblem.Level.BUILDING
    assert card.building == building
    assert card.category.code == "drain_blockage"
    assert card.order_count == 3
    assert third in card.orders.all()
    assert (card.first_at, card.last_at) == (f.at(2026, 1, 5), f.at(2026, 3, 5))
    from hotline.models import Notification

    assert Notification.objects.filter(kind="care.recurring", recipient=leader).exists()


@pytest.mark.django_db
def test_three_at_one_household_make_a_household_card(operator, household):
    for month in (1, 2, 3):
        drain(operator, f.at(2026, month, 5), household=household)
    [card] = detect(f.at(2026, 3, 6))
    assert card.level == RecurringProblem.Level.HOUSEHOLD
    assert card.household == household


@pytest.mark.django_db
def test_orders_spread_over_a_compound_or_lane_make_a_compound_card(operator, compound):
    for month in (1, 2, 3):
        drain(operator, f.at(2026, month, 5), compound=compound)
    [card] = detect(f.at(2026, 3, 6))
    assert card.level == RecurringProblem.Level.COMPOUND
    assert card.compound == compound and card.building is None


@pytest.mark.django_db
def test_orders_older_than_the_window_do_not_count(operator, household):
    drain(operator, f.at(2025, 6, 1), household=household)
    drain(operator, f.at(2026, 1, 5), household=household)
    drain(operator, f.at(2026, 3, 5), household=household)
    assert detect(f.at(2026, 3, 6)) == []


@pytest.mark.django_db
def test_different_categories_do_not_add_up(operator, household):
    drain(operator, f.at(2026, 1, 5), household=household)
    drain(operator, f.at(2026, 2, 5), household=household)
    with time_machine.travel(f.at(2026, 3, 5), tick=False):
        f.make_order(operator, code="roof_leak", household=household)
    assert detect(f.at(2026, 3, 6)) == []


@pytest.mark.django_db
def test_the_threshold_and_window_are_data(operator, household):
    rule = RecurrenceRule.objects.get(category__isnull=True)
    rule.threshold, rule.window_days = 2, 30
    rule.save()
    drain(operator, f.at(2026, 1, 5), household=household)
    drain(operator, f.at(2026, 3, 1), household=household)
    assert detect(f.at(2026, 3, 2)) == []  # 55 days apart
    drain(operator, f.at(2026, 3, 20), household=household)
    [card] = detect(f.at(2026, 3, 21))
    assert card.order_count == 2 and card.threshold == 2


@pytest.mark.django_db
def test_companionship_calls_never_make_a_card(operator, household):
    elder = f.make_resident(household, tags=["living_alone"])
    for month in (1, 2, 3, 4):
        with time_machine.travel(f.at(2026, month, 5), tick=False):
            f.make_order(operator, code="companionship", caller=elder)
    assert detect(f.at(2026, 4, 6)) == []


@pytest.mark.django_db
def test_merged_duplicates_are_not_counted_twice(operator, household):
    a = drain(operator, f.at(2026, 1, 5), household=household)
    b = drain(operator, f.at(2026, 1, 5, 10), household=household)
    with time_machine.travel(f.at(2026, 1, 5, 11), tick=False):
        hotline.merge_orders(acting_user=operator, duplicate=b, into=a)
    drain(operator, f.at(2026, 2, 5), household=household)
    assert detect(f.at(2026, 2, 6)) == []


@pytest.mark.django_db
def test_a_fourth_order_joins_the_open_card(operator, household):
    for month in (1, 2, 3):
        drain(operator, f.at(2026, month, 5), household=household)
    [card] = detect(f.at(2026, 3, 6))
    drain(operator, f.at(2026, 4, 5), household=household)
    assert detect(f.at(2026, 4, 6)) == []
    card.refresh_from_db()
    assert card.order_count == 4 and card.last_at == f.at(2026, 4, 5)


@pytest.mark.django_db
def test_after_a_card_is_closed_it_takes_three_new_orders_to_raise_another(operator, household):
    for month in (1, 2, 3):
        drain(operator, f.at(2026, month, 5), household=household)
    [card] = detect(f.at(2026, 3, 6))
    services.close_problem(acting_user=operator, card=card, note="管道整体更换")
    drain(operator, f.at(2026, 4, 5), household=household)
    drain(operator, f.at(2026, 4, 20), household=household)
    assert detect(f.at(2026, 4, 21)) == []
    drain(operator, f.at(2026, 5, 5), household=household)
    [again] = detect(f.at(2026, 5, 6))
    assert again.pk != card.pk and again.order_count == 3


@pytest.mark.django_db
def test_the_card_is_acknowledged_assigned_and_closed_with_a_note(operator, grid_worker, household):
    for month in (1, 2, 3):
        drain(operator, f.at(2026, month, 5), household=household)
    [card] = detect(f.at(2026, 3, 6))
    card = services.acknowledge_problem(acting_user=grid_worker, card=card)
    assert card.state == "acknowledged" and card.acknowledged_by == grid_worker
    with pytest.raises(Conflict):
        services.acknowledge_problem(acting_user=operator, card=card)
    card = services.assign_problem(acting_user=operator, card=card, assignee=grid_worker)
    assert card.state == "assigned" and card.assignee == grid_worker
    with pytest.raises(ServiceError):
        services.close_problem(acting_user=grid_worker, card=card, note="")
    card = services.close_problem(acting_user=grid_worker, card=card, note="化粪池清掏，立项改造")
    assert card.state == "closed" and card.closing_note == "化粪池清掏，立项改造"
    with pytest.raises(Conflict):
        services.close_problem(acting_user=operator, card=card, note="again")


@pytest.mark.django_db
def test_only_the_office_assigns_and_only_the_assignee_or_office_closes(
    operator, grid_worker, household
):
    for month in (1, 2, 3):
        drain(operator, f.at(2026, month, 5), household=household)
    [card] = detect(f.at(2026, 3, 6))
    with pytest.raises(NotAllowed):
        services.assign_problem(acting_user=grid_worker, card=card, assignee=grid_worker)
    with pytest.raises(ServiceError):
        services.close_problem(acting_user=grid_worker, card=card, note="not mine")


@pytest.mark.django_db
def test_a_card_cannot_go_to_someone_outside_its_area(operator, grid_worker_b, household):
    for month in (1, 2, 3):
        drain(operator, f.at(2026, month, 5), household=household)
    [card] = detect(f.at(2026, 3, 6))
    with pytest.raises(ServiceError):
        services.assign_problem(acting_user=operator, card=card, assignee=grid_worker_b)


@pytest.mark.django_db
def test_outsiders_cannot_touch_the_card(operator, household, grid_worker_b, outsider):
    for month in (1, 2, 3):
        drain(operator, f.at(2026, month, 5), household=household)
    [card] = detect(f.at(2026, 3, 6))
    for user in (grid_worker_b, outsider):
        with pytest.raises(NotFound):
            services.acknowledge_problem(acting_user=user, card=card)
        with pytest.raises(NotFound):
            services.close_problem(acting_user=user, card=card, note="x")
    assert RecurringProblem.objects.visible_to(outsider).count() == 0


@pytest.mark.django_db
def test_broken_televisions_in_three_flats_are_not_one_problem(operator, building):
    for month, room in ((1, "101"), (2, "201"), (3, "301")):
        with time_machine.travel(f.at(2026, month, 5), tick=False):
            f.make_order(
                operator, code="appliance_repair", household=t.make_household(building, room)
            )
    assert detect(f.at(2026, 3, 6)) == []


@pytest.mark.django_db
def test_the_same_television_broken_three_times_is(operator, household):
    for month in (1, 2, 3):
        with time_machine.travel(f.at(2026, month, 5), tick=False):
            f.make_order(operator, code="appliance_repair", household=household)
    [card] = detect(f.at(2026, 3, 6))
    assert card.level == RecurringProblem.Level.HOUSEHOLD


@pytest.mark.django_db
def test_how_wide_the_same_place_is_is_data(operator, building):
    RecurrenceRule.objects.filter(category__code="appliance_repair").update(widest_place="building")
    for month, room in ((1, "101"), (2, "201"), (3, "301")):
        with time_machine.travel(f.at(2026, month, 5), tick=False):
            f.make_order(
                operator, code="appliance_repair", household=t.make_household(building, room)
            )
    [card] = detect(f.at(2026, 3, 6))
    assert card.level == RecurringProblem.Level.BUILDING
