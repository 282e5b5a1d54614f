"""Benchmark: the registry search at scale (issue 3: p95 < 30 ms server time).

    .venv/bin/python bench/people_search.py --engine sqlite --residents 100000
    .venv/bin/python bench/people_search.py --engine postgres --residents 1000000

Builds a scratch database (see bench/people_scratch.py) holding ONE community with
all the residents — the worst case, since the operator's scope then prunes nothing —
in compounds of ~250 residents, then times every search form of the issue with
real residents' data: full phone, last four digits, name, full pinyin, initials,
"compound fragment + building", door label "3-2-401" and name + compound.
Reports p50/p95/p99 of the service call (``search_residents``) and of the whole
htmx page request (middleware, session, template) per form.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from people_scratch import percentile, scratch  # noqa: E402

WORDS = (
    "供销巷 和谐 果品 贸易 货栈 怡静 双溪 双桥 财政 进修 峨嵋 粮食 电力 邮电 农机 水利 卫生 棉麻 "
    "百货 五金 交电 烟草 建行 工商 税务 交通 食品 医药 纺织 化肥 城关 文化 人民 西关 北街 新华 物资 "
    "气象 林业 广电 银杏 老街 东关 南门 红旗 胜利 幸福 和平 建设 光明 团结 友谊 春晖 兴旺 长青 丰收"
).split()
SUFFIXES = ["小区", "家属院", "片区", "小区", "苑"]


def build(residents: int, seed: int) -> dict:
    """Generate the community in bulk; returns samples for the queries."""
    from django.db import connection, transaction

    from accounts.models import Role, RoleGrant, User
    from linli.lib import pii
    from people import text
    from people.demo import ELDER_FEMALE, ELDER_MALE, SURNAMES, YOUNG_FEMALE, YOUNG_MALE
    from people.models import CareTag, Phone, Resident
    from places.models import Building, Community, Compound, Grid, Household, Region, Street

    rng = random.Random(seed)
    region = Region.objects.create(name="基准县", code="999999")
    street = Street.objects.create(region=region, name="基准镇")
    community = Community.objects.create(street=street, name="基准社区", code="bench")
    grids = [
        Grid.objects.create(community=community, number=i + 1, name=f"第{i + 1}网格")
        for i in range(20)
    ]
    n_compounds = max(1, residents // 250)
    names = set()
    while len(names) < n_compounds:
        names.add(rng.choice(WORDS) + rng.choice(WORDS) + rng.choice(SUFFIXES))
    compounds = Compound.objects.bulk_create(
        [Compound(grid=grids[i % len(grids)], name=name) for i, name in enumerate(sorted(names))]
    )
    buildings = Building.objects.bulk_create(
        [Building(compound=c, name=f"{b}号楼", floors=6) for c in compounds for b in range(1, 6)],
        batch_size=5000,
    )
    households = []
    for building in buildings:
        for unit in ("1", "2"):
            for floor in range(1, 7):
                for door in (1, 2):
                    households.append(
                        Household(
                            building=building,
                            unit=unit,
                            room=f"{floor}0{door}",
                            floor_area_centi_m2=rng.randint(4000, 12000),
                        )
                    )
    Household.objects.bulk_create(households, batch_size=5000)
    print(f"  {len(compounds)} compounds, {len(buildings)} buildings, {len(households)} households")

    tags = list(CareTag.objects.all())
    pinyin = {}
    used_numbers = set()
    samples = []
    this_year = 2026
    made = 0
    batch = 20000
    started = time.perf_counter()
    while made < residents:
        rows, phones_for = [], []
        for _ in range(min(batch, residents - made)):
            household = households[rng.randrange(len(households))]
            age = rng.randint(60, 95) if rng.random() < 0.7 else rng.randint(5, 59)
            sex = rng.choice("FM")
            pool = (
                (ELDER_FEMALE if sex == "F" else ELDER_MALE)
                if age >= 50
                else (YOUNG_FEMALE if sex == "F" else YOUNG_MALE)
            )
            name = rng.choice(SURNAMES) + rng.choice(pool)
            if name not in pinyin:
                pinyin[name] = (text.name_pinyin(name), text.name_initials(name))
            full, initials = pinyin[name]
            rows.append(
                Resident(
                    community=community,
                    household=household,
                    name=name,
                    name_pinyin=full,
                    name_initials=initials,
                    sex=sex,
                    birth_year=this_year - age,
                    search_text=text.search_text(name, full, initials, household),
                )
            )
            while True:
                number = (
                    rng.choice(["138", "139", "150", "186", "135"]) + f"{rng.randrange(10**8):08d}"
                )
                if number not in used_numbers:
                    used_numbers.add(number)
                    break
            phones_for.append(number)
        with transaction.atomic():
            Resident.objects.bulk_create(rows, batch_size=5000)
            phones = []
            for resident, number in zip(rows, phones_for, strict=True):
                phone = Phone(resident=resident, label="本人", is_primary=True)
                phone.set_number(number)
                phones.append(phone)
            Phone.objects.bulk_create(phones, batch_size=5000)
            through = Resident.care_tags.through
            through.objects.bulk_create(
                [
                    through(resident=r, caretag=rng.choice(tags))
                    for r in rows
                    if rng.random() < 0.25
                ],
                batch_size=5000,
            )
        for resident, number in zip(rows, phones_for, strict=True):
            if len(samples) < 5000 and rng.random() < 0.02:
                samples.append((resident, number))
        made += len(rows)
        print(f"  {made} residents ({time.perf_counter() - started:.0f} s)", flush=True)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    operator = User.objects.create(username="bench-operator")
    RoleGrant.objects.create(user=operator, role=Role.OPERATOR, community=community)
    grid_worker = User.objects.create(username="bench-grid")
    RoleGrant.objects.create(user=grid_worker, role=Role.GRID_WORKER, grid=grids[0])
    return {"operator": operator, "grid_worker": grid_worker, "samples": samples, "pii": pii}


def kept(seed: int) -> dict:
    """The actors and query samples of a kept database (see ``--keep``)."""
    from accounts.models import User
    from linli.lib import pii
    from people.models import Phone, Resident

    rng = random.Random(seed)
    top = Resident.objects.order_by("-pk").values_list("pk", flat=True).first()
    ids = rng.sample(range(1, top + 1), min(top, 5000))
    phones = (
        Phone.objects.filter(resident_id__in=ids, is_primary=True)
        .select_related("resident__household__building__compound")
        .order_by("resident_id")
    )
    samples = [(phone.resident, phone.reveal()) for phone in phones]
    rng.shuffle(samples)
    return {
        "operator": User.objects.get(username="bench-operator"),
        "grid_worker": User.objects.get(username="bench-grid"),
        "samples": samples,
        "pii": pii,
        "residents": Resident.objects.count(),
    }


def queries(samples, rng) -> list[tuple[str, str]]:
    """(form, query) pairs built from real residents."""
    out = []
    for resident, number in samples:
        household = resident.household
        building = household.building
        compound = building.compound
        fragment = compound.name[:2]
        form_query = [
            ("full phone", number),
            ("last four", number[-4:]),
            ("name", resident.name),
            ("pinyin", resident.name_pinyin),
            ("initials", resident.name_initials),
            ("compound + building", f"{fragment} {building.name}"),
            ("door", f"{building.name.removesuffix('号楼')}-{household.unit}-{household.room}"),
            ("name + compound", f"{resident.name} {compound.name[:3]}"),
            # What the box sees while the operator is still typing.
            ("typing: pinyin 1-4", resident.name_pinyin[: rng.randint(1, 4)]),
            ("typing: surname", resident.name[0]),
        ]
        out.extend(form_query)
    rng.shuffle(out)
    return out


def run(data: dict, rounds: int, seed: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    from people.services import search_residents

    rng = random.Random(seed + 1)
    pairs = queries(data["samples"][: max(1, rounds // 10)], rng)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(data["operator"], backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("people:list")
    timings = defaultdict(list)
    cpu_timings = defaultdict(list)
    page_timings = defaultdict(list)
    found = defaultdict(int)
    # Warm-up: connections, caches, query plans.
    for _form, query in pairs[:50]:
        search_residents(acting_user=data["operator"], query=query)
    from accounts.models import User

    for form, query in pairs:
        operator = User.objects.get(pk=data["operator"].pk)  # a fresh user: nothing cached
        start, cpu = time.perf_counter(), time.process_time()
        results = search_residents(acting_user=operator, query=query)
        timings[form].append((time.perf_counter() - start) * 1000)
        cpu_timings[form].append((time.process_time() - cpu) * 1000)
        found[form] += bool(results)
        start = time.perf_counter()
        response = client.post(url, {"q": query}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
        page_timings[form].append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return {
        "service": timings,
        "cpu": cpu_timings,
        "page": page_timings,
        "found": found,
        "count": len(pairs),
    }


def explain(data: dict) -> None:
    """Print the query plans of one query of each form (are the indexes used?)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from people.services import search_residents

    seen = set()
    for form, query in queries(data["samples"][:1], random.Random(0)):
        if form in seen:
            continue
        seen.add(form)
        print(f"\n== {form}: {query}")
        with CaptureQueriesContext(connection) as captured:
            search_residents(acting_user=data["operator"], query=query)
        with connection.cursor() as cursor:
            for item in captured.captured_queries:
                sql = item["sql"]
                if "people_resident" not in sql and "places_household" not in sql:
                    continue
                prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                cursor.execute(prefix + sql)
                print("  " + sql[:160])
                for row in cursor.fetchall():
                    print("     ", row[-1])


def report(result: dict, where: str, residents: int) -> None:
    import os

    print(f"\nSearch over {residents:,} residents in one community ({where})")
    print(f"load average before the run: {result['load']}, after: {os.getloadavg()[0]:.1f}")
    print(
        f"{'form':<22}{'n':>5}{'found':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'cpu p95':>9}{'page p95':>10}"
    )
    every, every_cpu, every_page = [], [], []
    for form in sorted(result["service"]):
        values = result["service"][form]
        cpu = result["cpu"][form]
        page = result["page"][form]
        every += values
        every_cpu += cpu
        every_page += page
        print(
            f"{form:<22}{len(values):>5}{result['found'][form]:>7}"
            f"{percentile(values, 50):>9.1f}{percentile(values, 95):>9.1f}"
            f"{percentile(values, 99):>9.1f}{percentile(cpu, 95):>9.1f}{percentile(page, 95):>10.1f}"
        )
    print(
        f"{'all':<22}{len(every):>5}{'':>7}{percentile(every, 50):>9.1f}"
        f"{percentile(every, 95):>9.1f}{percentile(every, 99):>9.1f}"
        f"{percentile(every_cpu, 95):>9.1f}{percentile(every_page, 95):>10.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=800, help="queries timed (all forms)")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="time the kept database again")
    parser.add_argument("--explain", action="store_true", help="print query plans")
    args = parser.parse_args()
    where = scratch(args.engine, "people_search", keep=args.keep, reuse=args.reuse)
    if args.reuse:
        data = kept(args.seed)
        args.residents = data["residents"]
        print(f"Reusing {args.residents:,} residents in {where}")
    else:
        print(f"Building {args.residents:,} residents in {where} …")
        started = time.perf_counter()
        data = build(args.residents, args.seed)
        print(f"  built in {time.perf_counter() - started:.0f} s")
    if args.explain:
        explain(data)
    import os

    load = f"{os.getloadavg()[0]:.1f}"
    result = run(data, args.rounds, args.seed)
    result["load"] = load
    report(result, where, args.residents)


if __name__ == "__main__":
    main()
