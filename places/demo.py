"""Demo places: 临猗县 › 猗氏镇 › 葫芦岛社区 with 41 compounds in 8 grids, ~3,000 households.

The compounds the seed report names are all here; the rest have the kind of names
old county-town compounds have (the work units that built them). Deterministic.
"""

from __future__ import annotations

from places.models import Building, Community, Compound, Grid, Household, Region, Street

GRID_NAMES = [
    "第一网格",
    "第二网格",
    "第三网格",
    "第四网格",
    "第五网格",
    "第六网格",
    "第七网格",
    "第八网格",
]

# (name, grid index, kind, year built, open?, size: number of households wanted)
COMPOUNDS = [
    ("贸易货栈小区", 0, "compound", 1994, True, 96),
    ("和谐果品小区", 0, "compound", 1998, True, 84),
    ("供销巷小区", 1, "compound", 1993, True, 60),
    ("公安二院片区", 1, "area", 1990, True, 0),
    ("怡静苑小区", 1, "compound", 1996, True, 48),
    ("双溪巷小区", 2, "compound", 1992, True, 72),
    ("双桥巷", 2, "lane", 1985, True, 40),
    ("财政局小区", 3, "compound", 1997, False, 90),
    ("进修小区", 3, "compound", 1995, True, 64),
    ("峨嵋南路片区", 4, "area", 1991, True, 70),
    ("葫芦岛小区", 4, "compound", 1999, True, 110),
    ("粮食局小区", 5, "compound", 1993, True, 80),
    ("电力家属院", 5, "compound", 1996, False, 72),
    ("邮电小区", 6, "compound", 1997, True, 66),
    ("农机小区", 6, "compound", 1989, True, 56),
    ("水利局家属院", 7, "compound", 1994, True, 60),
    ("卫生局小区", 7, "compound", 1998, True, 72),
    ("棉麻公司小区", 0, "compound", 1990, True, 64),
    ("百货大楼家属院", 0, "compound", 1992, True, 78),
    ("五金交电小区", 1, "compound", 1993, True, 60),
    ("烟草小区", 1, "compound", 2000, False, 84),
    ("建行家属院", 2, "compound", 1998, True, 66),
    ("工商局小区", 2, "compound", 1997, True, 72),
    ("税务小区", 3, "compound", 1999, False, 90),
    ("交通局家属院", 3, "compound", 1994, True, 60),
    ("食品公司小区", 4, "compound", 1988, True, 56),
    ("医药公司小区", 4, "compound", 1995, True, 64),
    ("纺织厂家属院", 5, "compound", 1987, True, 110),
    ("化肥厂小区", 5, "compound", 1989, True, 96),
    ("城关小学家属院", 6, "compound", 1996, True, 48),
    ("文化馆小区", 6, "compound", 1993, True, 54),
    ("人民医院家属院", 7, "compound", 1997, True, 100),
    ("西关巷", 7, "lane", 1982, True, 45),
    ("北街片区", 4, "area", 1986, True, 80),
    ("新华书店小区", 5, "compound", 1995, True, 48),
    ("物资局小区", 6, "compound", 1992, True, 72),
    ("气象站小区", 7, "compound", 1998, True, 40),
    ("林业局小区", 0, "compound", 1996, True, 60),
    ("广电小区", 3, "compound", 2001, True, 66),
    ("银杏苑小区", 2, "compound", 2016, False, 120),
    ("老街片区", 1, "area", 1980, True, 70),
]
NEW_COMPOUNDS = {"银杏苑小区"}  # the one compound that is not old
WITH_PROPERTY_COMPANY = {"银杏苑小区", "烟草小区", "电力家属院"}
SHOP_COMPOUNDS = {"和谐果品小区", "贸易货栈小区", "百货大楼家属院"}


def _area(rng, *, shop: bool = False) -> int:
    """A realistic floor area in 0.01 m² (old walk-ups: mostly 50–110 m²)."""
    if shop:
        return int(rng.uniform(28, 85) * 100)
    return int(max(38.0, min(150.0, rng.gauss(78, 17))) * 100)


def _occupancy(rng) -> str:
    roll = rng.random()
    if roll < 0.15:
        return Household.Occupancy.RENTED
    if roll < 0.20:
        return Household.Occupancy.VACANT
    return Household.Occupancy.OWNER


def load(ctx) -> None:
    rng = ctx.rng("places")
    from linli.demo import DEMO_COMMUNITY_CODE

    region = Region.objects.create(name="临猗县", code="140821")
    street = Street.objects.create(region=region, name="猗氏镇")
    community = Community.objects.create(
        street=street,
        name="葫芦岛社区",
        code=DEMO_COMMUNITY_CODE,
        office_phone="0359-4020000",
        hotline_name="小刘热线",
        address="临猗县城西北老城区",
    )
    grids = [
        Grid.objects.create(community=community, number=i + 1, name=name)
        for i, name in enumerate(GRID_NAMES)
    ]
    compounds: dict[str, Compound] = {}
    for name, grid_index, kind, year, is_open, _size in COMPOUNDS:
        compounds[name] = Compound.objects.create(
            grid=grids[grid_index],
            name=name,
            kind=kind,
            year_built=year,
            is_old=name not in NEW_COMPOUNDS,
            is_open=is_open,
            has_property_company=name in WITH_PROPERTY_COMPANY,
            address=f"临猗县{name}",
        )
    compounds["怡静苑小区"].parent = compounds["公安二院片区"]
    compounds["怡静苑小区"].save(update_fields=["parent"])

    households: list[Household] = []
    for name, _grid, kind, _year, _open, size in COMPOUNDS:
        if size == 0:
            continue
        compound = compounds[name]
        if kind == "lane":
            # Bungalow lanes: one numbered yard per household.
            for number in range(1, size + 1):
                building = Building.objects.create(
                    compound=compound, name=f"{number}号院", floors=1
                )
                households.append(
                    Household(
                        building=building,
                        room="1",
                        floor_area_centi_m2=int(rng.uniform(60, 160) * 100),
                        occupancy=_occupancy(rng),
                    )
                )
            continue
        floors = 6 if compound.year_built and compound.year_built >= 1995 else 5
        units = 2
        per_building = floors * units * 2
        count = 0
        number = 1
        while count < size:
            building = Building.objects.create(
                compound=compound, name=f"{number}号楼", floors=floors
            )
            for unit in range(1, units + 1):
                for floor in range(1, floors + 1):
                    for door in (1, 2):
                        if count >= size:
                            break
                        shop = name in SHOP_COMPOUNDS and number == 1 and floor == 1
                        households.append(
                            Household(
                                building=building,
                                unit=str(unit),
                                room=f"{floor}0{door}",
                                floor_area_centi_m2=_area(rng, shop=shop),
                                occupancy=Household.Occupancy.OWNER if shop else _occupancy(rng),
                                use=Household.Use.SHOP if shop else Household.Use.HOME,
                            )
                        )
                        count += 1
            number += 1
            assert per_building > 0  # noqa: S101 — loop always advances
    Household.objects.bulk_create(households, batch_size=1000)

    # The neighbouring community that owns the 110 m lane (seed: 公安二院片区 / 崇相西社区);
    # its staff are the outsiders of the demo.
    other = Community.objects.create(
        street=street, name="崇相西社区", code="140821-cxx", hotline_name=""
    )
    other_grid = Grid.objects.create(community=other, number=1, name="崇相西第一网格")
    lane = Compound.objects.create(
        grid=other_grid, name="崇相西巷", kind="lane", year_built=1980, is_old=True, is_open=True
    )
    yard = Building.objects.create(compound=lane, name="1号院", floors=1)
    Household.objects.create(building=yard, room="1", floor_area_centi_m2=12000)

    ctx.region, ctx.street, ctx.community = region, street, community
    ctx.other_community = other
    ctx.grids = grids
    ctx.compounds = compounds
    ctx.extra["other_grid"] = other_grid
