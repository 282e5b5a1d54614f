"""The demo community: the seed's places, in plausible proportions, loaded once."""

import hashlib

import pytest
from django.core.management import call_command

from accounts import demo as accounts_demo
from accounts.demo import DEMO_ACCOUNTS
from accounts.models import User
from linli.demo import DemoContext
from places import demo as places_demo
from places.models import Community, Compound, Household


def households_digest() -> str:
    rows = Household.objects.order_by("id").values_list(
        "building__compound__name",
        "building__name",
        "unit",
        "room",
        "floor_area_centi_m2",
        "occupancy",
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def load_places_and_accounts(seed: int = 2022) -> DemoContext:
    """The first two demo loaders, as load_demo runs them (the rest build on these)."""
    ctx = DemoContext(seed=seed)
    places_demo.load(ctx)
    accounts_demo.load(ctx)
    return ctx


@pytest.mark.django_db
def test_the_demo_builds_the_community_of_the_seed_report():
    load_places_and_accounts()
    community = Community.objects.get(name="葫芦岛社区")
    compounds = Compound.objects.filter(grid__community=community)
    assert compounds.count() == 41
    assert compounds.filter(is_old=True).count() == 40
    assert compounds.filter(is_open=True).count() > 30
    assert community.grids.count() == 8
    for name in [
        "贸易货栈小区",
        "和谐果品小区",
        "供销巷小区",
        "公安二院片区",
        "怡静苑小区",
        "双溪巷小区",
        "双桥巷",
        "财政局小区",
        "进修小区",
        "峨嵋南路片区",
    ]:
        assert compounds.filter(name=name).exists(), name
    assert Compound.objects.get(name="怡静苑小区").parent.name == "公安二院片区"
    households = Household.objects.filter(building__compound__grid__community=community)
    total = households.count()
    assert 2500 <= total <= 3500
    rented = households.filter(occupancy="rented").count()
    assert 0.11 < rented / total < 0.19
    assert households.filter(use="shop", building__compound__name="和谐果品小区").exists()


@pytest.mark.django_db
def test_load_demo_does_nothing_when_the_demo_community_is_there():
    load_places_and_accounts()
    count = Household.objects.count()
    call_command("load_demo", verbosity=0)
    assert Household.objects.count() == count
    usernames = [account.username for account in DEMO_ACCOUNTS]
    assert User.objects.filter(username__in=usernames).count() == len(DEMO_ACCOUNTS)


def wipe_places_and_accounts():
    """Remove exactly what the two loaders made (nothing else in the database)."""
    from places.models import Building, Grid, Region, Street

    region = Region.objects.get(code="140821")
    User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).delete()
    Household.objects.filter(building__compound__grid__community__street__region=region).delete()
    Building.objects.filter(compound__grid__community__street__region=region).delete()
    compounds = Compound.objects.filter(grid__community__street__region=region)
    compounds.filter(parent__isnull=False).delete()
    compounds.delete()
    Grid.objects.filter(community__street__region=region).delete()
    Community.objects.filter(street__region=region).delete()
    Street.objects.filter(region=region).delete()
    region.delete()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_demo_and_another_seed_does_not():
    load_places_and_accounts()
    first = households_digest()
    wipe_places_and_accounts()
    load_places_and_accounts()
    assert households_digest() == first
    wipe_places_and_accounts()
    load_places_and_accounts(seed=7)
    assert households_digest() != first


@pytest.mark.django_db
def test_every_demo_login_has_a_role_and_a_scope():
    load_places_and_accounts()
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.has_role(account.role), account.username
