"""Small factories for tests: plain functions that make valid records with defaults.

Tests build data through these or through the real services, never through fixtures
files that drift from the code.
"""

from __future__ import annotations

import itertools

from accounts.models import Role, RoleGrant, User
from places.models import Building, Community, Compound, Grid, Household, Region, Street

_seq = itertools.count(1)
TEST_PASSWORD = "correct-horse-battery-staple"  # noqa: S105 — test-only password


def _n() -> int:
    return next(_seq)


def make_region(name: str = "临猗县") -> Region:
    return Region.objects.create(name=name, code=f"R{_n():05d}")


def make_community(name: str | None = None, *, region: Region | None = None) -> Community:
    region = region or make_region()
    street, _ = Street.objects.get_or_create(region=region, name="猗氏镇")
    n = _n()
    return Community.objects.create(
        street=street, name=name or f"测试社区{n}", code=f"C{n:05d}", hotline_name="小刘热线"
    )


def make_grid(community: Community, name: str | None = None) -> Grid:
    n = community.grids.count() + 1
    return Grid.objects.create(community=community, number=n, name=name or f"第{n}网格")


def make_compound(grid: Grid, name: str | None = None, **fields) -> Compound:
    fields.setdefault("year_built", 1995)
    return Compound.objects.create(grid=grid, name=name or f"测试小区{_n()}", **fields)


def make_building(compound: Compound, name: str | None = None, floors: int = 6) -> Building:
    return Building.objects.create(compound=compound, name=name or f"{_n()}号楼", floors=floors)


def make_household(
    building: Building,
    room: str | None = None,
    *,
    unit: str = "1",
    area_m2: float = 80.0,
    occupancy: str = Household.Occupancy.OWNER,
) -> Household:
    return Household.objects.create(
        building=building,
        unit=unit,
        room=room or str(100 + _n()),
        floor_area_centi_m2=round(area_m2 * 100),
        occupancy=occupancy,
    )


def make_user(
    username: str | None = None,
    *,
    role: str | None = None,
    region: Region | None = None,
    community: Community | None = None,
    grid: Grid | None = None,
    compound: Compound | None = None,
    display_name: str = "",
    **fields,
) -> User:
    user = User(username=username or f"user{_n()}", display_name=display_name, **fields)
    # MD5 would be faster, but tests must exercise the hasher production uses.
    user.set_password(TEST_PASSWORD)
    user.save()
    if role:
        RoleGrant.objects.create(
            user=user, role=role, region=region, community=community, grid=grid, compound=compound
        )
    return user


__all__ = [
    "Role",
    "TEST_PASSWORD",
    "make_building",
    "make_community",
    "make_compound",
    "make_grid",
    "make_household",
    "make_region",
    "make_user",
]
