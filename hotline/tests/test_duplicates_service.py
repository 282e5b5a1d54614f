"""Duplicates offered while an order is being taken: the same category at the same place
in the last 14 days, and similar descriptions in the same compound."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from hotline import services
from hotline.tests.factories import category, make_order, make_resident

pytestmark = pytest.mark.django_db


def find(household=None, *, code="drain_blockage", text="", compound=None):
    place = household.building.compound if household is not None else compound
    return services.find_duplicates(
        community=place.grid.community,
        category=category(code) if code else None,
        household=household,
        compound=compound,
        text=text,
    )


def test_an_open_order_of_the_same_category_at_the_same_household_is_offered(operator, household):
    earlier = make_order(operator, household=household, code="drain_blockage", description="堵了")
    found = find(household)
    assert found == [earlier]
    assert "same address" in found[0].duplicate_reasons[0] or "同" in found[0].duplicate_reasons[0]


def test_a_neighbour_in_the_same_building_reporting_the_same_category_is_offered(
    operator, household, building
):
    from linli import testing as t

    upstairs = make_order(
        operator,
        household=t.make_household(building, "501"),
        code="drain_blockage",
        description="管子堵",
    )
    assert find(household) == [upstairs]


def test_the_same_category_in_another_building_needs_a_similar_description(
    operator, household, compound
):
    from linli import testing as t

    other_building = t.make_household(t.make_building(compound, "9号楼"), "101")
    make_order(
        operator, household=other_building, code="drain_blockage", description="厨房水池不下水"
    )
    assert find(household) == []


def test_an_order_about_the_whole_compound_counts_as_the_same_place(operator, household):
    compound = household.building.compound
    earlier = make_order(operator, compound=compound, code="drain_blockage", description="总管堵了")
    assert find(household) == [earlier]


def test_orders_older_than_fourteen_days_are_not_offered(operator, household):
    with time_machine.travel(timezone.now() - dt.timedelta(days=15), tick=False):
        make_order(operator, household=household, code="drain_blockage", description="堵了")
    assert find(household) == []


def test_closed_withdrawn_and_other_category_orders_are_not_offered(operator, household):
    withdrawn = make_order(operator, household=household, code="drain_blockage", description="堵")
    services.withdraw_order(acting_user=operator, order=withdrawn, reason="自己通了")
    make_order(operator, household=household, code="noise", description="楼上装修吵")
    assert find(household) == []


def test_a_similar_description_nearby_is_offered_with_how_alike_it_is(
    operator, household, building
):
    from linli import testing as t

    neighbour = t.make_household(building, "402")
    earlier = make_order(
        operator,
        household=neighbour,
        code="other",
        description="楼上住户下水道严重堵塞，粪水倒灌进店铺",
    )
    found = find(household, text="下水道堵塞了，粪水倒灌")
    assert found == [earlier]
    assert 0.25 <= found[0].similarity <= 1
    assert "%" in found[0].duplicate_reasons[0]


def test_an_unrelated_description_nearby_is_not_offered(operator, household, building):
    from linli import testing as t

    make_order(
        operator,
        household=t.make_household(building, "402"),
        code="other",
        description="想问低保怎么申请",
    )
    assert find(household, text="下水道堵塞，粪水倒灌") == []


def test_a_match_on_both_counts_comes_first(operator, household, building):
    from linli import testing as t

    text_only = make_order(
        operator,
        household=t.make_household(building, "402"),
        code="other",
        description="下水道堵塞粪水倒灌",
    )
    both = make_order(
        operator, household=household, code="drain_blockage", description="下水道堵塞"
    )
    assert find(household, text="下水道堵塞，粪水倒灌") == [both, text_only]


def test_similarity_is_character_bigram_dice():
    assert services.similarity("下水道堵了", "下水道堵了") == 1
    assert services.similarity("下水道", "路灯不亮") == 0
    assert services.bigrams("下水 道！") == {"下水", "水道"}
    assert services.similarity("", "下水道") == 0


def test_without_a_place_there_is_nothing_to_compare(operator, community):
    assert services.find_duplicates(community=community, text="下水道堵了") == []


def test_the_second_caller_is_attached_instead_of_a_second_order(operator, household):
    first = make_order(
        operator, caller=make_resident(household, "甲"), code="drain_blockage", description="堵了"
    )
    offered = find(household)
    contact = services.attach_caller(
        acting_user=operator, order=offered[0], caller=make_resident(household, "乙")
    )
    assert contact.order == first
    assert first.contacts.count() == 2
