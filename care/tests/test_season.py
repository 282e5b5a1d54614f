"""The seasonal look-ahead: before the rainy months, the places with past leak, drain
and road orders, so they can be checked before the first rain."""

import datetime as dt

import pytest
import time_machine

from care import selectors, services
from care.models import Season, SeasonCheck
from care.tests import factories as f
from hotline.models import Order
from linli import testing as t
from linli.lib.errors import NotFound


@pytest.fixture
def rainy():
    return Season.objects.get(name="雨季")


@pytest.mark.django_db
def test_the_rainy_season_is_seeded_with_leak_drain_and_road_categories(rainy):
    assert (rainy.start_month, rainy.end_month, rainy.lead_months) == (7, 9, 1)
    assert set(rainy.categories.values_list("code", flat=True)) == {
        "roof_leak",
        "drain_blockage",
        "road_damage",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "shown"),
    [
        (dt.date(2026, 5, 31), False),
        (dt.date(2026, 6, 1), True),
        (dt.date(2026, 8, 15), True),
        (dt.date(2026, 9, 30), True),
        (dt.date(2026, 10, 1), False),
    ],
)
def test_the_list_is_shown_from_june_to_the_end_of_september(rainy, today, shown):
    assert rainy.is_shown(today) is shown


@pytest.mark.django_db
def test_a_winter_season_runs_across_the_new_year():
    winter = Season.objects.create(name="冬季", start_month=12, end_month=2, lead_months=1)
    assert winter.occurrence(dt.date(2027, 1, 15)) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 2, 28),
    )
    assert winter.is_shown(dt.date(2026, 11, 2))
    assert not winter.is_shown(dt.date(2026, 10, 31))


@pytest.mark.django_db
def test_the_list_holds_households_and_lanes_with_past_leak_drain_and_road_orders(
    rainy, operator, household, grid
):
    lane = t.make_compound(grid, "双桥巷", kind="lane")
    with time_machine.travel(f.at(2025, 8, 1), tick=False):
        f.make_order(operator, code="roof_leak", household=household)
        f.make_order(operator, code="road_damage", compound=lane)
        f.make_order(
            operator, code="appliance_repair", household=t.make_household(household.building)
        )
    with time_machine.travel(f.at(2022, 8, 1), tick=False):
        f.make_order(operator, code="drain_blockage", compound=t.make_compound(grid, "老巷"))
    with time_machine.travel(f.at(2026, 6, 2), tick=False):
        places = selectors.seasonal_places(Order.objects.all(), rainy, dt.date(2026, 6, 2))
    labels = {p.label: p for p in places}
    assert set(labels) == {household.address, "双桥巷"}
    assert labels[household.address].level == "household"
    assert labels[household.address].categories == ["屋顶墙体漏水"]
    assert labels["双桥巷"].level == "compound"


@pytest.mark.django_db
def test_a_checked_place_shows_as_checked_for_this_season_only(
    rainy, operator, grid_worker, household
):
    with time_machine.travel(f.at(2025, 8, 1), tick=False):
        f.make_order(operator, code="drain_blockage", household=household)
    with time_machine.travel(f.at(2026, 6, 2), tick=False):
        services.record_season_check(
            acting_user=grid_worker,
            season=rainy,
            compound=household.building.compound,
            building=household.building,
            household=household,
            note="下水管已疏通",
        )
        [place] = selectors.seasonal_places(Order.objects.all(), rainy, dt.date(2026, 6, 2))
    assert place.checked.note == "下水管已疏通"
    with time_machine.travel(f.at(2027, 6, 2), tick=False):
        [place] = selectors.seasonal_places(Order.objects.all(), rainy, dt.date(2027, 6, 2))
    assert place.checked is None


@pytest.mark.django_db
def test_outsiders_cannot_mark_a_place_checked(rainy, household, grid_worker_b, outsider):
    for user in (grid_worker_b, outsider):
        with pytest.raises(NotFound):
            services.record_season_check(
                acting_user=user, season=rainy, compound=household.building.compound
            )
    assert not SeasonCheck.objects.exists()


@pytest.mark.django_db
def test_the_season_page_lists_only_places_in_scope(
    login, rainy, operator, grid_worker, grid_worker_b, household, household_b
):
    from django.urls import reverse

    with time_machine.travel(f.at(2025, 8, 1), tick=False):
        f.make_order(operator, code="roof_leak", household=household)
        f.make_order(operator, code="roof_leak", household=household_b)
    with time_machine.travel(f.at(2026, 6, 2), tick=False):
        mine = login(grid_worker).get(reverse("care:season")).content.decode()
        assert household.address in mine and household_b.address not in mine
        theirs = login(grid_worker_b).get(reverse("care:season")).content.decode()
        assert household_b.address in theirs and household.address not in theirs
