"""Small factories for care tests: residents with care tags, volunteers, orders made
through the hotline's real services, and the moments the tests freeze the clock at."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from hotline import services as hotline_services
from hotline.models import Category
from people.models import CareTag, Membership, Resident, Volunteer

SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def at(year, month, day, hour=9, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def make_resident(household, name=None, *, tags=(), birth_year=1940, **fields) -> Resident:
    community = household.building.compound.grid.community
    resident = Resident.objects.create(
        community=community,
        household=household,
        name=name or f"居民{next(_seq)}",
        name_pinyin="x",
        name_initials="x",
        birth_year=birth_year,
        **fields,
    )
    if tags:
        resident.care_tags.set(CareTag.objects.filter(code__in=tags))
    return resident


def make_volunteer(community, name="赵建国", *, user=None, grid=None, skills=("errands",)):
    return Volunteer.objects.create(
        community=community, grid=grid, name=name, user=user, skills=list(skills)
    )


def make_tenant(household, *, start, end=None, name=None) -> Membership:
    resident = make_resident(household, name or f"租户{next(_seq)}", birth_year=1990)
    return Membership.objects.create(
        resident=resident,
        household=household,
        relation=Membership.Relation.TENANT,
        start_date=start,
        end_date=end,
    )


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def make_order(acting_user, *, code="drain_blockage", description="下水道又堵了", **place):
    return hotline_services.create_order(
        acting_user=acting_user, category=category(code), description=description, **place
    )
