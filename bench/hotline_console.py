"""Benchmark: the operator's console and order pages with a million work orders (issue 4).

    .venv/bin/python bench/hotline_console.py --engine postgres --orders 1000000
    .venv/bin/python bench/hotline_console.py --engine postgres --reuse   # a kept database

It uses the county that ``bench/insights_dashboard.py`` generates (40 communities,
``--orders`` orders over three years; ``--reuse`` takes the database that script
kept with ``--keep``), and adds an operator of the first community and one caller
with sixty past orders, the worst card an operator sees. Then it times, as the
server sees them (the full Django request in-process, every middleware and the
template), ``--runs`` times each after a warm-up: the empty console, the console with
the caller's card, the poll the console makes every second, the order list and its
next page (keyset pagination), one order, the call-back list and the hand-over sheet.
It prints the median, the 95th percentile and the query count of each.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import insights_dashboard as county  # noqa: E402 — the shared scratch county

CALLER_ORDERS = 60


def time_page(client, url: str, runs: int) -> tuple[float, float, int]:
    """The shared timer, but a poll with nothing new answers 204 rather than 200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 204), (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(times), p95, len(queries)


def prepare() -> dict:
    """The operator, the caller and the caller's past orders (made once, kept)."""
    from django.db import transaction

    from accounts.models import Role, RoleGrant, User
    from hotline.models import Order, OrderContact
    from people.models import Phone, Resident
    from places.models import Building, Community, Household

    community = Community.objects.get(code="B001")
    operator, made = User.objects.get_or_create(
        username="bench-operator",
        defaults={"display_name": "接线员", "password": county.UNUSABLE, "phone_extension": "8002"},
    )
    if made:
        RoleGrant.objects.create(user=operator, role=Role.OPERATOR, community=community)
    resident = Resident.objects.filter(community=community, name="张德厚").first()
    if resident is None:
        with transaction.atomic():
            compound = community.grids.order_by("pk").first().compounds.order_by("pk").first()
            building = Building.objects.create(compound=compound, name="1号楼", floors=6)
            household = Household.objects.create(
                building=building, unit="1", room="201", floor_area_centi_m2=6500
            )
            resident = Resident.objects.create(
                community=community, household=household, name="张德厚", name_pinyin="zhangdehou"
            )
            phone = Phone(resident=resident, is_primary=True)
            phone.set_number("13800001234")
            phone.save()
            ids = list(
                Order.objects.filter(community=community)
                .order_by("-created_at")
                .values_list("pk", flat=True)[:CALLER_ORDERS]
            )
            Order.objects.filter(pk__in=ids).update(caller=resident, household=household)
            OrderContact.objects.bulk_create(
                OrderContact(order_id=pk, resident=resident, name=resident.name) for pk in ids
            )
    return {"operator": operator, "resident": resident, "community": community}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="use the kept scratch database")
    args = parser.parse_args()

    where = county.setup(args.engine, reuse=args.reuse)
    print(f"{args.engine}: {where}")
    from django.test import Client

    from hotline.models import Order

    if not args.reuse:
        county.generate(args.orders)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    actors = prepare()
    total = Order.objects.count()
    in_community = Order.objects.filter(community=actors["community"]).count()
    print(f"  {total:,} orders, {in_community:,} in the operator's community")

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(actors["operator"], backend="django.contrib.auth.backends.ModelBackend")
    listing = client.get("/hotline/orders/")
    after = re.search(r'href="\?([^"]*cursor=[^"]+)"', listing.content.decode())
    next_page = "/hotline/orders/?" + after.group(1).replace("&amp;", "&") if after else None
    one = Order.objects.filter(community=actors["community"]).order_by("-pk").first()
    pages = [
        ("console, no caller", "/hotline/console/"),
        ("console, caller's card", f"/hotline/console/?caller={actors['resident'].pk}"),
        ("console poll (every second)", "/hotline/console/ring/"),
        ("order list, first page", "/hotline/orders/"),
        ("order list, next page", next_page),
        ("one order", f"/hotline/orders/{one.pk}/"),
        ("call-back list", "/hotline/callbacks/"),
        ("hand-over sheet", "/hotline/handover/"),
    ]
    print("\n| page | median ms | p95 ms | queries |\n|---|---|---|---|")
    for label, url in pages:
        if url is None:
            print(f"| {label} | (no next-page link found) | | |")
            continue
        median, p95, queries = time_page(client, url, args.runs)
        print(f"| {label} | {median:.0f} | {p95:.0f} | {queries} |")


if __name__ == "__main__":
    main()
