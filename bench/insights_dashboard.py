"""Benchmark: the leader's dashboard with a county's million work orders (issue 6).

    .venv/bin/python bench/insights_dashboard.py --engine sqlite   --orders 1000000
    .venv/bin/python bench/insights_dashboard.py --engine postgres --orders 1000000

In a scratch database (a SQLite file under /tmp, or a PostgreSQL database
``linli_bench_insights``), it bulk-inserts a county — 40 communities, 8 grids each,
6 compounds per grid — and ``--orders`` work orders spread over three years (most
closed after a call-back, a few per cent still open, merged or withdrawn), not
through the services. Then it builds the rollups with ``rollups.rebuild`` (timed), and
times the dashboard as the server sees it: the full Django request through every
middleware and the template, in-process (Django's test client), for a county leader
(40 communities) and a community leader (one community), ``--runs`` times each after
one warm-up. It prints the median, the 95th percentile and the query count, and the
same for the rates page, the orders list behind a figure and the monthly report.

``--keep`` keeps the scratch database and ``--reuse`` runs against a kept one, so
the timing can be repeated without generating the orders again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "linli_bench_insights"
SQLITE_DIR = Path(tempfile.gettempdir()) / "linli-bench-insights"

UNUSABLE = "!"  # noqa: S105 — Django's mark for "no password can log in"
COMMUNITIES = 40
GRIDS = 8
COMPOUNDS = 6


def setup(engine: str, *, reuse: bool) -> str:
    sys.path.insert(0, str(ROOT))
    SQLITE_DIR.mkdir(exist_ok=True)
    env_file = SQLITE_DIR / "linli.env"
    if not env_file.exists():
        keys = subprocess.run(
            [sys.executable, "-m", "linli.lib.keys"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        env_file.write_text(keys)
    os.environ["LINLI_VAR_DIR"] = str(SQLITE_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "linli.settings"
    os.environ["LINLI_TASKS"] = "immediate"
    os.environ["LINLI_HTTPS"] = "0"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if engine == "postgres":
        import psycopg

        if not reuse:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{DB_NAME}"
        where = f"PostgreSQL database {DB_NAME}"
    else:
        os.environ.pop("DATABASE_URL", None)
        db = SQLITE_DIR / "linli.sqlite3"
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        where = f"SQLite file {db}"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return where


def generate(orders: int, seed: int = 6) -> dict:
    """A county with ``orders`` work orders, bulk-inserted. Returns the actors."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role, RoleGrant, User
    from hotline.models import Category, Order, OrderContact
    from places.models import Community, Compound, Grid, Region, Street

    rng = random.Random(seed)
    region = Region.objects.create(name="临猗县", code="140821")
    street = Street.objects.create(region=region, name="猗氏镇")
    communities = Community.objects.bulk_create(
        Community(street=street, name=f"第{i + 1}社区", code=f"B{i + 1:03d}")
        for i in range(COMMUNITIES)
    )
    grids = Grid.objects.bulk_create(
        Grid(community=c, number=n + 1, name=f"{c.name}第{n + 1}网格")
        for c in communities
        for n in range(GRIDS)
    )
    compounds = Compound.objects.bulk_create(
        Compound(grid=g, name=f"{g.name}{k + 1}号院", year_built=1995)
        for g in grids
        for k in range(COMPOUNDS)
    )
    workers = User.objects.bulk_create(
        User(username=f"grid{g.pk}", display_name=f"网格员{g.pk}", password=UNUSABLE) for g in grids
    )
    worker_of = {g.pk: w for g, w in zip(grids, workers, strict=True)}
    county = User.objects.create(username="county", display_name="县领导", password=UNUSABLE)
    leader = User.objects.create(username="leader", display_name="社区书记", password=UNUSABLE)
    RoleGrant.objects.create(user=county, role=Role.LEADER, region=region)
    RoleGrant.objects.create(user=leader, role=Role.LEADER, community=communities[0])

    categories = list(Category.objects.all())
    weights = [max(1, 20 - i) for i in range(len(categories))]
    now = timezone.now()
    span = dt.timedelta(days=3 * 365)
    states = [
        (Order.State.CLOSED, 84),
        (Order.State.CALLED_BACK, 2),
        (Order.State.RESOLVED, 3),
        (Order.State.IN_PROGRESS, 2),
        (Order.State.ACCEPTED, 1),
        (Order.State.DISPATCHED, 2),
        (Order.State.RECEIVED, 1),
        (Order.State.MERGED, 2),
        (Order.State.WITHDRAWN, 3),
    ]
    state_names = [s for s, _w in states]
    state_weights = [w for _s, w in states]
    results = ["satisfied"] * 70 + ["basic"] * 17 + ["unsatisfied"] * 5 + ["unreachable"] * 8
    # Plain rows through the same raw insert the rollup rebuild uses (COPY on
    # PostgreSQL): a million model instances would take longer than the benchmark.
    from insights.rollups import _raw_insert

    fields = [f for f in Order._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    batch: list[tuple] = []
    made = 0
    with transaction.atomic():
        for i in range(orders):
            # Later months are busier (the hotline grows), and recent orders are the
            # ones still open.
            age = span * (1 - rng.random() ** 0.8)
            created = now - age
            compound = compounds[rng.randrange(len(compounds))]
            grid = grids[(compound.pk - compounds[0].pk) // COMPOUNDS]
            state = rng.choices(state_names, state_weights)[0]
            if age > dt.timedelta(days=20) and state in (
                Order.State.RECEIVED,
                Order.State.DISPATCHED,
                Order.State.ACCEPTED,
                Order.State.IN_PROGRESS,
                Order.State.RESOLVED,
            ):
                state = Order.State.CLOSED if rng.random() < 0.9 else state
            dispatched = state not in (Order.State.RECEIVED, Order.State.WITHDRAWN)
            accepted = dispatched and state != Order.State.DISPATCHED
            accepted_at = (
                created + dt.timedelta(minutes=rng.expovariate(1 / 90)) if accepted else None
            )
            resolved = state in (Order.State.RESOLVED, Order.State.CALLED_BACK, Order.State.CLOSED)
            resolved_at = (
                accepted_at + dt.timedelta(hours=rng.expovariate(1 / 40)) if resolved else None
            )
            called = state in (Order.State.CALLED_BACK, Order.State.CLOSED)
            result = rng.choice(results) if called else ""
            if state == Order.State.CALLED_BACK:
                result = "unsatisfied"
            row = {
                **defaults,
                "number": f"B{i:011d}",
                "community_id": grid.community_id,
                "grid_id": grid.pk,
                "compound_id": compound.pk,
                "category_id": rng.choices(categories, weights)[0].pk,
                "urgency": "normal",
                "level": "grid",
                "description": "居民反映的问题",
                "state": state,
                "assignee_user_id": worker_of[grid.pk].pk if dispatched else None,
                "created_at": created,
                "updated_at": created,
                "dispatched_at": created if dispatched else None,
                "accepted_at": accepted_at,
                "resolved_at": resolved_at,
                "closed_at": resolved_at if state == Order.State.CLOSED else None,
                "called_back_at": resolved_at if called else None,
                "response_due": created + dt.timedelta(hours=rng.choice((0.5, 2, 24))),
                "resolution_due": created + dt.timedelta(days=rng.choice((1, 3, 7))),
                "satisfaction": result,
                "reopen_count": 1 if rng.random() < 0.02 else 0,
                "is_supervised": rng.random() < 0.01,
                "resolution": "已处理" if resolved else "",
            }
            batch.append(tuple(row[f.attname] for f in fields))
            if len(batch) == 10_000:
                _raw_insert(Order, columns, batch)
                made += len(batch)
                batch = []
                print(f"\r  {made:,} orders", end="", flush=True)
        if batch:
            _raw_insert(Order, columns, batch)
            made += len(batch)
        print(f"\r  {made:,} orders")
        first = Order.objects.order_by("id").values_list("id", flat=True)[:2000]
        OrderContact.objects.bulk_create(
            OrderContact(order_id=pk, name="王秀兰", phone_masked="138****1234") for pk in first
        )
    return {"county": county, "leader": leader, "community": communities[0]}


def actors() -> dict:
    from accounts.models import User
    from places.models import Community

    return {
        "county": User.objects.get(username="county"),
        "leader": User.objects.get(username="leader"),
        "community": Community.objects.get(code="B001"),
    }


def time_page(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: templates, translations, the database cache
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(times), p95, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="use the kept scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    where = setup(args.engine, reuse=args.reuse)
    print(f"{args.engine}: {where}")
    from django.db import connection
    from django.test import Client

    from hotline.models import Order
    from insights import rollups

    if args.reuse and Order.objects.exists():
        who = actors()
        print(f"  reusing {Order.objects.count():,} orders")
    else:
        start = time.perf_counter()
        who = generate(args.orders)
        print(f"  generated in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        result = rollups.rebuild()
        print(
            f"  rollups rebuilt from {result['orders']:,} counted orders "
            f"({result['rows']:,} rows) in {time.perf_counter() - start:.0f} s"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    start = time.perf_counter()
    rollups.refresh()
    print(f"  an idle refresh (nothing new): {(time.perf_counter() - start) * 1000:.0f} ms")

    community = who["community"].pk
    pages = [
        ("dashboard, county leader (40 communities)", "county", "/insights/"),
        ("dashboard, community leader", "leader", "/insights/"),
        ("dashboard, county leader, one community", "county", f"/insights/?community={community}"),
        ("rates by grid, community leader, one month", "leader", "/insights/rates/?by=grid"),
        ("rates by community, county leader, one month", "county", "/insights/rates/"),
        (
            "orders behind 'satisfied', county, one month",
            "county",
            "/insights/orders/?metric=satisfied",
        ),
        ("monthly report, county leader", "county", "/insights/report/"),
    ]
    print("\n| page | median ms | p95 ms | queries |\n|---|---|---|---|")
    for label, user, url in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(who[user], backend="django.contrib.auth.backends.ModelBackend")
        median, p95, queries = time_page(client, url, args.runs)
        print(f"| {label} | {median:.0f} | {p95:.0f} | {queries} |")

    if args.keep or args.reuse:
        return
    connection.close()
    if args.engine == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_DIR / 'linli.sqlite3'}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
