"""Benchmark: Excel import of households and residents (issue 3: 100,000 rows < 1 minute).

    .venv/bin/python bench/people_import.py --engine sqlite --rows 100000
    .venv/bin/python bench/people_import.py --engine postgres --rows 100000

Writes a 100,000-row workbook in the import template (every household new, 1–4
residents each, phones on every row, ID numbers on a third, care tags on a
quarter) and times, in a scratch database: the preview check
(``services.check_import``: read + validate every row, nothing written) and the
import itself (``services.import_residents``: read + validate again + write
everything in one transaction), which is what the user waits for after "Import".
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from people_scratch import scratch  # noqa: E402


def workbook(rows: int, compounds: list[str], seed: int) -> bytes:
    from openpyxl import Workbook

    from linli.lib import pii
    from people import excel
    from people.demo import ELDER_FEMALE, ELDER_MALE, SURNAMES

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民")
    sheet.append([header for _key, header, *_rest in excel.COLUMNS])
    used = set()
    written = 0
    household = 0
    tags = ["独居", "高龄", "空巢", "行动不便", "低保"]
    while written < rows:
        household += 1
        compound = compounds[household % len(compounds)]
        building = f"{household // 24 % 40 + 1}号楼"
        unit = str(household // 12 % 2 + 1)
        room = str(household)  # unique, so each household is new
        in_household = set()
        for position in range(min(rng.randint(1, 4), rows - written)):
            sex = rng.choice("FM")
            name = ""
            while not name or name in in_household:
                pool = ELDER_FEMALE if sex == "F" else ELDER_MALE
                name = rng.choice(SURNAMES) + rng.choice(pool)
            in_household.add(name)
            year = rng.randint(1930, 2000)
            while True:
                number = rng.choice(["138", "139", "150", "186"]) + f"{rng.randrange(10**8):08d}"
                if number not in used:
                    used.add(number)
                    break
            id_number = ""
            if rng.random() < 0.33:
                first17 = (
                    f"140821{year:04d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                    f"{rng.randrange(100, 999) // 2 * 2 + (sex == 'M'):03d}"
                )
                id_number = first17 + pii.id_check_digit(first17)
                if id_number in used:  # one person, one number
                    id_number = ""
                used.add(id_number)
            values = {
                "compound": compound,
                "building": building,
                "unit": unit,
                "room": room,
                "area": f"{rng.uniform(40, 120):.2f}",
                "occupancy": "出租" if household % 7 == 0 else "自住",
                "name": name,
                "sex": "男" if sex == "M" else "女",
                "birth_year": str(year),
                "relation": "" if position else "产权人",
                "phone1": number,
                "phone1_label": "本人",
                "id_number": id_number,
                "smartphone": rng.choice(["是", "否"]),
                "care_tags": rng.choice(tags) if rng.random() < 0.25 else "",
            }
            sheet.append([values.get(key, "") for key in excel.KEYS])
            written += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    where = scratch(args.engine, "people_import")
    import os

    from accounts.models import Role, RoleGrant, User
    from people import services
    from people.models import Phone, Resident
    from places.models import Community, Compound, Grid, Household, Region, Street

    region = Region.objects.create(name="基准县", code="999999")
    street = Street.objects.create(region=region, name="基准镇")
    community = Community.objects.create(street=street, name="基准社区", code="bench")
    grid = Grid.objects.create(community=community, number=1, name="第一网格")
    names = [f"基准{n:03d}小区" for n in range(200)]
    Compound.objects.bulk_create([Compound(grid=grid, name=n) for n in names])
    operator = User.objects.create(username="bench-operator")
    RoleGrant.objects.create(user=operator, role=Role.OPERATOR, community=community)

    started = time.perf_counter()
    data = workbook(args.rows, names, args.seed)
    print(
        f"workbook: {args.rows:,} rows, {len(data) / 1e6:.1f} MB, "
        f"made in {time.perf_counter() - started:.0f} s"
    )
    load = os.getloadavg()[0]
    started = time.perf_counter()
    check = services.check_import(acting_user=operator, community=community, data=data)
    checked = time.perf_counter() - started
    assert not check.rejected, check.rejected[:3]
    started, cpu = time.perf_counter(), time.process_time()
    _check, counts = services.import_residents(acting_user=operator, community=community, data=data)
    imported = time.perf_counter() - started
    cpu = time.process_time() - cpu
    assert Resident.objects.count() == args.rows
    assert Phone.objects.count() == args.rows
    print(f"\nImport of {args.rows:,} rows into {where}")
    print(f"load average before: {load:.1f}, after: {os.getloadavg()[0]:.1f}")
    print(f"preview check (read + validate):        {checked:6.1f} s")
    print(f"import (read + validate + write, 1 tx): {imported:6.1f} s  (cpu {cpu:.1f} s)")
    print(
        f"  {counts['residents']:,} residents, {counts['households']:,} households, "
        f"{counts['buildings']:,} buildings, {counts['phones']:,} phones; "
        f"{Household.objects.count():,} households in the database"
    )


if __name__ == "__main__":
    main()
