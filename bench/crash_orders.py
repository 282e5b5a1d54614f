"""Crash safety: kill -9 a process that is writing work orders, again and again, and
check that no acknowledged order was lost and nothing was left half-written.

    .venv/bin/python bench/crash_orders.py --engine sqlite              # or: make crash
    .venv/bin/python bench/crash_orders.py --engine postgres --kills 100

A child process takes orders through ``hotline.services.create_order`` in a loop (one
operator, one caller, as fast as the database allows) and prints each order's number
once the call has returned, that is after its transaction committed: that line is the
acknowledgement an operator would see on the screen. The parent kills the child with
SIGKILL at a random moment, ``--kills`` times, and after every kill opens the database
afresh and checks:

* the database opens and is sound (SQLite: ``PRAGMA integrity_check`` and
  ``foreign_key_check``; PostgreSQL: it accepts a new connection and answers);
* every acknowledged number exists as an order with its "received" timeline event,
  its caller contact and its audit entry;
* no order exists without its event, contact or audit entry (nothing half-written);
* each day's number counter equals the orders numbered that day (no number handed
  out twice, none lost to a rolled-back transaction).

The database is a scratch one (SQLite WAL in a temporary directory, or a PostgreSQL
database created and dropped), see ``people_scratch.py``. The run stops after
``--time-limit`` seconds even if fewer kills were made. Exit status: 0 when all is
well, 1 on any loss or damage, 2 when the time limit cut the run short.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent))


# --- the child: takes orders until it is killed ------------------------------------------


def child(operator_id: int, caller_id: int) -> None:
    import django

    django.setup()
    from accounts.models import User
    from hotline import services
    from hotline.models import Category
    from people.models import Resident

    operator = User.objects.get(pk=operator_id)
    caller = Resident.objects.get(pk=caller_id)
    category = Category.objects.get(code="appliance_repair")
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        order = services.create_order(
            acting_user=operator,
            category=category,
            description=f"电视机不亮了（第{n}次）",
            caller=caller,
        )
        # create_order is one transaction: when it returns, the order is committed.
        print(order.number, flush=True)


# --- the parent: kills and checks --------------------------------------------------------


def prepare() -> tuple[int, int]:
    """A community with one household, its operator and a caller living there."""
    from accounts.models import Role
    from linli import testing as t
    from people.models import Resident

    community = t.make_community("葫芦岛社区")
    household = t.make_household(
        t.make_building(t.make_compound(t.make_grid(community, "第一网格"), "供销巷小区"), "3号楼"),
        "401",
    )
    operator = t.make_user("crash-operator", role=Role.OPERATOR, community=community)
    caller = Resident.objects.create(
        community=community, household=household, name="王秀兰", name_pinyin="wangxiulan"
    )
    return operator.pk, caller.pk


class Reader(threading.Thread):
    """Collects the child's complete output lines (a line cut by the kill is not an
    acknowledgement: the operator never saw it)."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[str] = []
        self.ready = threading.Event()

    def run(self) -> None:
        buffer = b""
        while chunk := self.stream.read1(65536):
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                line = raw.decode()
                if line == "ready":
                    self.ready.set()
                else:
                    self.lines.append(line)


def check(acknowledged: set[str]) -> list[str]:
    """What is wrong with the database now (an empty list when nothing is)."""
    from django.db import connection, connections

    from accounts.models import AuditLog
    from hotline.models import Order, OrderContact, OrderEvent, OrderNumberCounter

    connections.close_all()  # a fresh connection, as after a restart
    problems: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            result = [row[0] for row in cursor.fetchall()]
            if result != ["ok"]:
                problems.append(f"integrity_check: {result[:5]}")
            cursor.execute("PRAGMA foreign_key_check")
            if broken := cursor.fetchall():
                problems.append(f"foreign_key_check: {broken[:5]}")
        else:
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                problems.append("the database does not answer")

    orders = dict(Order.objects.values_list("number", "pk"))
    lost = sorted(acknowledged - orders.keys())
    if lost:
        problems.append(f"{len(lost)} acknowledged orders lost: {lost[:5]}")
    created = set(
        OrderEvent.objects.filter(kind=OrderEvent.Kind.CREATED).values_list("order_id", flat=True)
    )
    contacts = set(OrderContact.objects.values_list("order_id", flat=True))
    audited = {
        int(pk)
        for pk in AuditLog.objects.filter(action="order.create").values_list("object_id", flat=True)
    }
    for label, found in (
        ("'received' event", created),
        ("caller contact", contacts),
        ("audit entry", audited),
    ):
        missing = [number for number, pk in orders.items() if pk not in found]
        if missing:
            problems.append(f"{len(missing)} orders without their {label}: {missing[:5]}")
    for counter in OrderNumberCounter.objects.all():
        prefix = f"{counter.prefix}{counter.day:%Y%m%d}"
        numbered = sum(1 for number in orders if number.startswith(prefix))
        if numbered != counter.last:
            problems.append(f"counter {prefix} says {counter.last}, orders {numbered}")
    return problems


def run(args) -> int:
    import people_scratch

    # Stopped with Ctrl-C or kill: unwind, so the child is killed and the scratch
    # database removed (atexit) instead of left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))

    where = people_scratch.scratch(args.engine, "crash")
    operator_id, caller_id = prepare()
    from django.db import connections

    connections.close_all()  # the parent holds no connection while the child writes

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    acknowledged: set[str] = set()
    kills = 0
    problems: list[str] = []
    per_life: list[int] = []
    started = time.monotonic()
    command = [sys.executable, str(HERE), "--child", str(operator_id), str(caller_id)]
    while kills < args.kills and time.monotonic() - started < args.time_limit:
        process = subprocess.Popen(  # noqa: S603 — this very script
            command, stdout=subprocess.PIPE, env=os.environ.copy()
        )
        reader = Reader(process.stdout)
        reader.start()
        if not reader.ready.wait(timeout=60):
            process.kill()
            process.wait()
            problems.append("the child did not start (see its error output above)")
            break
        try:
            time.sleep(rng.uniform(0.0, args.max_delay))
            stopped_by_itself = process.poll() is not None
            process.send_signal(signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
        reader.join(timeout=10)
        if stopped_by_itself:
            problems.append("the child stopped by itself (see its error output above)")
            break
        kills += 1
        per_life.append(len(reader.lines))
        acknowledged.update(reader.lines)
        found = check(acknowledged)
        connections.close_all()
        if found:
            problems.extend(f"after kill {kills}: {p}" for p in found)
            if not args.keep_going:
                break
        if kills % 10 == 0:
            print(f"  {kills} kills, {len(acknowledged)} orders acknowledged", flush=True)
    elapsed = time.monotonic() - started

    from hotline.models import Order

    in_database = Order.objects.count()
    connections.close_all()
    print()
    print(f"crash test on {where} (--seed {seed})")
    print(f"  kills (SIGKILL at a random moment): {kills} of {args.kills}")
    print(f"  orders acknowledged: {len(acknowledged)}; in the database: {in_database}")
    print(
        f"  committed but not acknowledged (killed between commit and print): "
        f"{in_database - len(acknowledged)}"
    )
    if per_life:
        print(
            f"  orders per child life: min {min(per_life)}, "
            f"median {sorted(per_life)[len(per_life) // 2]}, max {max(per_life)}"
        )
    print(f"  checks after each kill: {'all passed' if not problems else 'FAILED'}")
    print(f"  time: {elapsed:.0f} s")
    for problem in problems:
        print(f"  PROBLEM {problem}")
    if problems:
        return 1
    if kills < args.kills:
        print(f"  stopped by the time limit ({args.time_limit} s) after {kills} kills")
        return 2
    return 0


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument(
        "--max-delay",
        type=float,
        default=0.5,
        help="the kill comes 0..this many seconds after the child is ready",
    )
    parser.add_argument("--time-limit", type=float, default=900, help="seconds for the run")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--keep-going", action="store_true", help="go on after a failed check (count them all)"
    )
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
