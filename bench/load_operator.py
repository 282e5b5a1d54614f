"""Benchmark: the operator mix under load (the "Trust" issue, part 9).

    .venv/bin/python bench/load_operator.py                       # both engines, 50 users
    .venv/bin/python bench/load_operator.py --engine sqlite --users 10 --duration 30

For each engine it builds a scratch database (SQLite in WAL mode in a temporary
directory, or the PostgreSQL database ``linli_load_operator``) holding the demo
community (``manage.py load_demo``, a year of ``--demo-orders`` orders), opens bench
accounts through the accounts services — operators and leaders of the community,
grid workers spread over its grids, every leader with a confirmed TOTP device — and
serves it as scripts/serve.sh does: gunicorn with two workers plus the task worker,
on 127.0.0.1:``--port``. Then locust (bench/locustfile_operator.py, headless) runs
``--users`` staff: 60 % operators taking calls (search a resident, open them, create
an order, dispatch it), 30 % grid workers on the phone pages (accept, resolve),
10 % leaders on the dashboard, each pausing ``--think`` seconds between steps. Only
what happens once every user is spawned (plus a settling pause) is measured, for
``--duration`` seconds; log-ins are reported apart.

It prints p50/p95/p99 per request type and overall, requests per second, errors, and
the CPU time the server (gunicorn and the task worker, and on PostgreSQL its
backends) and the load generator spent in the window — on a shared machine, the CPU
figures say what the wall-clock ones cannot. The target: p95 under 150 ms at 50
concurrent users, with no errors. Everything is stopped by process id and the
scratch database removed afterwards (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_server import (  # noqa: E402
    ROOT,
    CpuMeter,
    Scratch,
    Server,
    percentile,
)

HERE = Path(__file__).resolve()
LOCUSTFILE = HERE.parent / "locustfile_operator.py"
TARGET_P95_MS = 150
SETTLE_S = 5
CALLERS = 2000


# --- set-up, run inside the scratch database's environment ---------------------------


def setup_plan(path: Path, operators: int, grid_workers: int, leaders: int) -> None:
    """Open the bench accounts and write what the locust users need to know."""
    from load_server import (
        BENCH_PASSWORD,
        demo_admin_and_community,
        django_setup,
        make_staff,
        sample_callers,
    )

    django_setup()
    from django_otp.oath import totp

    from accounts import audit
    from accounts.models import Role
    from accounts.services import confirm_totp_device, start_totp_enrolment
    from hotline.models import Category
    from places.models import Grid

    community = demo_admin_and_community()[1]
    grids = list(Grid.objects.filter(community=community).order_by("number"))
    ops = make_staff("bench-op", operators, Role.OPERATOR, [community])
    workers = make_staff("bench-grid", grid_workers, Role.GRID_WORKER, grids)
    bosses = make_staff("bench-leader", leaders, Role.LEADER, [community])
    leader_rows = []
    for leader in bosses:
        device = start_totp_enrolment(acting_user=leader)
        code = totp(device.bin_key, device.step, device.t0, device.digits)
        confirm_totp_device(
            acting_user=leader,
            token=f"{code:0{device.digits}d}",
            channel=audit.Channel.COMMAND,
        )
        leader_rows.append(
            {
                "username": leader.username,
                "key": device.key,
                "step": device.step,
                "digits": device.digits,
            }
        )
    by_grid: dict[str, list[int]] = defaultdict(list)
    for i, worker in enumerate(workers):
        by_grid[str(grids[i % len(grids)].pk)].append(worker.pk)
    served = [g for g in grids if str(g.pk) in by_grid]
    categories = list(
        Category.objects.filter(is_active=True, unit__isnull=True, default_level="grid")
        .order_by("order", "code")
        .values_list("name", flat=True)
    )
    plan = {
        "password": BENCH_PASSWORD,
        "operators": [u.username for u in ops],
        "grid_workers": [u.username for u in workers],
        "leaders": leader_rows,
        "workers_by_grid": by_grid,
        "callers": sample_callers(served, CALLERS),
        "categories": categories,
    }
    path.write_text(json.dumps(plan, ensure_ascii=False))


# --- the run -----------------------------------------------------------------------


def split_users(users: int, shares: list[int]) -> list[int]:
    """Operators, grid workers, leaders: at least one of each, summing to ``users``."""
    total = sum(shares)
    counts = [max(1, math.floor(users * s / total)) for s in shares]
    counts[0] += users - sum(counts)
    if min(counts) < 1:
        raise SystemExit("--users is too small for three kinds of staff")
    return counts


def run_engine(engine: str, args) -> dict:
    operators, grid_workers, leaders = split_users(args.users, args.split)
    scratch = Scratch(engine, "operator", keep=args.keep)
    try:
        print(f"[{engine}] demo community ({args.demo_orders} orders) into {scratch.where}…")
        built = scratch.prepare_demo(args.demo_orders)
        plan = scratch.var_dir / "plan.json"
        scratch.run(
            str(HERE),
            "--setup-plan",
            str(plan),
            "--counts",
            f"{operators},{grid_workers},{leaders}",
        )
        print(f"[{engine}] built in {built:.0f} s; serving on port {args.port}…")
        results = scratch.var_dir / "results.json"
        spawn_s = math.ceil(args.users / args.spawn_rate)
        run_time = spawn_s + SETTLE_S + args.duration
        env = {
            **scratch.env,
            "LOAD_PLAN": str(plan),
            "LOAD_RESULTS": str(results),
            "LOAD_THINK": f"{args.think[0]},{args.think[1]}",
            "LOAD_SETTLE": str(SETTLE_S),
            "LOAD_OPERATORS": str(operators),
            "LOAD_GRID_WORKERS": str(grid_workers),
            "LOAD_LEADERS": str(leaders),
        }
        server = Server(scratch, args.port, workers=args.workers, threads=args.threads)
        with server:
            client: dict = {}
            meter = CpuMeter(
                {
                    "server": server.pids,
                    "postgres": scratch.backend_pids,
                    "client": lambda: [client["pid"]] if "pid" in client else [],
                }
            )
            meter.start()
            command = [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                server.url,
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{run_time}s",
                "--stop-timeout",
                "10",
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--exit-code-on-error",
                "0",
            ]
            print(
                f"[{engine}] locust: {operators} operators, {grid_workers} grid workers, "
                f"{leaders} leaders; {spawn_s} s ramp, {SETTLE_S} s settle, "
                f"{args.duration} s measured…"
            )
            with scratch.log("locust").open("ab") as out:
                proc = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                )
                client["pid"] = proc.pid
                try:
                    proc.wait(timeout=run_time + 120)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    raise RuntimeError("locust did not stop in time") from None
            meter.stop()
            if proc.returncode != 0 or not results.exists():
                tail = scratch.log("locust").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"locust failed ({proc.returncode}):\n{tail}")
        data = json.loads(results.read_text())
        cpu = meter.used_between(data["start"], data["stop"])
        return summarize(engine, scratch.where, args, data, cpu)
    finally:
        scratch.cleanup()


def summarize(engine: str, where: str, args, data: dict, cpu: dict) -> dict:
    window = max(1e-9, data["stop"] - data["start"])
    by_name: dict[str, list] = defaultdict(list)
    for name, ms, ok, error in data["requests"]:
        by_name[name].append((ms, ok, error))

    def stats(rows: list) -> dict:
        times = [ms for ms, _ok, _e in rows]
        return {
            "count": len(rows),
            "errors": sum(1 for _ms, ok, _e in rows if not ok),
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "max": max(times, default=0.0),
            "rps": len(rows) / window,
        }

    mix = [row for name, rows in by_name.items() if not name.startswith("login:") for row in rows]
    errors = Counter(
        f"{name}: {error}" for name, rows in by_name.items() for _ms, ok, error in rows if not ok
    )
    return {
        "engine": engine,
        "where": where,
        "users": args.users,
        "workers": args.workers,
        "threads": args.threads,
        "think_s": list(args.think),
        "window_s": window,
        "types": {name: stats(rows) for name, rows in sorted(by_name.items())},
        "overall": stats(mix),
        "cpu_s": cpu,
        "errors": errors.most_common(10),
    }


def report(result: dict) -> None:
    print()
    print(
        f"## {result['engine']}: {result['users']} users, think {result['think_s'][0]:g}–"
        f"{result['think_s'][1]:g} s, {result['window_s']:.0f} s measured, gunicorn with "
        f"{result['workers']} workers × {result['threads']} threads ({result['where']})"
    )
    print()
    print("| request | count | errors | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [(name, s) for name, s in result["types"].items() if not name.startswith("login:")]
    rows += [("**overall (mix)**", result["overall"])]
    rows += [(name, s) for name, s in result["types"].items() if name.startswith("login:")]
    for name, s in rows:
        print(
            f"| {name} | {s['count']} | {s['errors']} | {s['p50']:.0f} | {s['p95']:.0f} "
            f"| {s['p99']:.0f} | {s['max']:.0f} | {s['rps']:.1f} |"
        )
    window = result["window_s"]
    cpu = result["cpu_s"]
    parts = [
        f"server (gunicorn + task worker) {cpu['server']:.1f} s = {cpu['server'] / window:.2f} cores"
    ]
    if cpu.get("postgres"):
        parts.append(
            f"PostgreSQL backends {cpu['postgres']:.1f} s = {cpu['postgres'] / window:.2f} cores"
        )
    parts.append(f"load generator {cpu['client']:.1f} s = {cpu['client'] / window:.2f} cores")
    print()
    print("CPU in the window: " + "; ".join(parts))
    overall = result["overall"]
    met = overall["p95"] < TARGET_P95_MS and overall["errors"] == 0
    print(
        f"Target p95 < {TARGET_P95_MS} ms with no errors: "
        f"{'met' if met else 'NOT met'} (p95 {overall['p95']:.0f} ms, "
        f"{overall['errors']} errors of {overall['count']})"
    )
    for line, count in result["errors"]:
        print(f"  {count} × {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second")
    parser.add_argument("--duration", type=int, default=300, help="measured seconds")
    parser.add_argument(
        "--think",
        type=lambda s: tuple(float(x) for x in s.split(",")),
        default=(1.0, 3.0),
        help="pause between a user's steps, MIN,MAX seconds",
    )
    parser.add_argument(
        "--split",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[6, 3, 1],
        help="shares of operators, grid workers, leaders",
    )
    parser.add_argument("--demo-orders", type=int, default=2400, help="LINLI_DEMO_ORDERS")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (scripts/serve.sh runs two)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--setup-plan", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--counts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_plan:
        operators, grid_workers, leaders = (int(x) for x in args.counts.split(","))
        setup_plan(args.setup_plan, operators, grid_workers, leaders)
        return
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    results = []
    for engine in engines:
        started = time.monotonic()
        result = run_engine(engine, args)
        result["total_s"] = time.monotonic() - started
        report(result)
        results.append(result)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
