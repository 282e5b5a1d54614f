"""The demo registry: ~7,000 residents like the seed's community, and its story people."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from linli.demo import DemoContext
from people import demo
from people.models import Membership, Resident, Volunteer
from people.services import find_by_phone
from places import demo as places_demo


@pytest.fixture
def ctx(db):
    context = DemoContext(seed=2022)
    places_demo.load(context)
    accounts_demo.load(context)
    demo.load(context)
    return context


def test_the_demo_community_has_about_seven_thousand_mostly_elderly_residents(ctx):
    residents = Resident.objects.filter(community=ctx.community)
    total = residents.count()
    assert 6500 <= total <= 7500
    old = residents.filter(birth_year__lte=timezone.localdate().year - 60).count()
    assert 0.64 <= old / total <= 0.75  # "近七成"
    assert residents.filter(uses_smartphone=False).count() / total > 0.3
    lonely = residents.filter(care_tags__code="living_alone").count()
    assert 0.03 < lonely / total < 0.12


def test_tenants_live_in_the_rented_households(ctx):
    tenants = Membership.objects.filter(relation="tenant", end_date__isnull=True)
    assert tenants.count() > 300
    assert not tenants.exclude(household__occupancy="rented").exists()
    assert Membership.objects.filter(relation="tenant", end_date__isnull=False).exists()


@pytest.mark.parametrize("seed", demo.SEED_PEOPLE, ids=lambda p: p.key)
def test_each_story_person_answers_to_their_documented_number(ctx, seed):
    resident = ctx.extra["people"][seed.key]
    assert find_by_phone(seed.phone) == [resident]
    assert resident.name == seed.name
    assert resident.household.door.endswith(seed.room)
    assert resident.household.building.compound.name == seed.compound
    assert set(resident.care_tags.values_list("code", flat=True)) >= set(seed.care_tags)


def test_the_shop_and_the_flats_above_it_share_a_building(ctx):
    shop_owner = ctx.extra["people"]["shop_owner"]
    assert shop_owner.household.use == "shop"
    for key in ("above_shop_1", "above_shop_2", "above_shop_3"):
        assert ctx.extra["people"][key].household.building == shop_owner.household.building


def test_the_volunteer_account_is_zhao_jianguo_of_the_service_team(ctx):
    zhao = Volunteer.objects.get(user=ctx.users["volunteer"])
    assert zhao.name == "赵建国" and zhao.resident.name == "赵建国"
    assert Volunteer.objects.filter(community=ctx.community).count() >= 10
