"""Small factories for hotline tests: residents, volunteers, providers, units and
orders made through the real services."""

from __future__ import annotations

import itertools

from cobuild.models import Unit
from hotline import services
from hotline.models import Category, ServiceProvider
from people.models import Phone, Resident, Volunteer

_seq = itertools.count(1)


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def make_resident(household, name: str = "王秀兰", *, phone: str = "", birth_year=1948, **fields):
    community = household.building.compound.grid.community
    resident = Resident.objects.create(
        community=community,
        household=household,
        name=name,
        name_pinyin=fields.pop("name_pinyin", "x"),
        name_initials=fields.pop("name_initials", "x"),
        birth_year=birth_year,
        **fields,
    )
    if phone:
        number = Phone(resident=resident, is_primary=True)
        number.set_number(phone)
        number.save()
    return resident


def make_volunteer(
    community, name="赵建国", *, grid=None, skills=("errands",), user=None, **fields
):
    return Volunteer.objects.create(
        community=community, grid=grid, name=name, skills=list(skills), user=user, **fields
    )


def make_provider(community, name=None, *, trade="appliance_repair", label="家电维修", grids=()):
    provider = ServiceProvider(
        community=community, name=name or f"师傅{next(_seq)}", trade=trade, trade_label=label
    )
    provider.set_number(f"1390000{next(_seq):04d}")
    provider.save()
    if grids:
        provider.grids.set(grids)
    return provider


def make_unit(community, name="县行政审批服务管理局"):
    region = community.street.region
    unit = Unit.objects.create(region=region, name=name)
    unit.communities.add(community)
    return unit


def make_order(acting_user, *, code="appliance_repair", description="电视机不亮了", **kwargs):
    return services.create_order(
        acting_user=acting_user, category=category(code), description=description, **kwargs
    )


def dispatched(acting_user, order, **target):
    return services.dispatch_order(acting_user=acting_user, order=order, **target)


def ensure_catalogue() -> None:
    """Re-seed the categories and time limits after a transactional test flushed them."""
    if Category.objects.exists():
        return
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hotline.migrations.0003_seed_categories_and_time_limits")
    migration.seed(apps, None)
