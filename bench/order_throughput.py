"""Benchmark: how many work orders a second the served app takes (the "Hotline" issue's
speed part: above 400 orders/s).

    .venv/bin/python bench/order_throughput.py                     # both engines, web + API
    .venv/bin/python bench/order_throughput.py --engine sqlite --mode web --duration 20
    .venv/bin/python bench/order_throughput.py --engine sqlite --profile   # where one create's time goes

For each engine it builds a scratch database (SQLite in WAL mode in a temporary
directory, or the PostgreSQL database ``linli_load_orders``) with the demo community,
opens one operator account per client thread through the accounts services and one
API key (operator role, ``orders:write``, a rate limit of a million a minute so the
limiter counts but never refuses), and serves it as scripts/serve.sh does: gunicorn
with two sync workers plus the task worker, on 127.0.0.1:``--port``.

Then ``--concurrency`` client threads create orders for ``--duration`` seconds after
``--warmup`` seconds, each for a known caller of the community:

* web — as the operator does it: logged in through the login page, the console's
  create POST (``/hotline/console/intake/``, step 3, htmx) with the session cookie and
  the CSRF token; success is the answer sending the browser to the new order;
* api — ``POST /api/hotline/orders`` with ``Authorization: Bearer <key>``; success is 201.

The clients are plain threads with ``http.client`` (keep-alive where the server
offers it; gunicorn's sync workers close after each answer), so they cost little CPU
next to the server on a 2-core machine; their CPU time is reported, as is the
server's (gunicorn and the task worker, and on PostgreSQL its backends). Printed:
orders per second, p50/p95/p99/max latency, errors, CPU per order.

``--profile`` runs instead, in one process against the scratch database, single
creates through Django's test client (the whole request: middleware, session, CSRF,
form or API schema, service, template or JSON) under cProfile, and prints the
queries of one create and where the time goes, by layer and by function.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import sys
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_server import HOST, CpuMeter, Scratch, Server, percentile  # noqa: E402

HERE = Path(__file__).resolve()
TARGET_PER_S = 400
DESCRIPTION = "下水道堵塞，污水从地漏冒出来，院里三户都受影响。"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


# --- set-up, run inside the scratch database's environment ---------------------------


def setup_plan(path: Path, operators: int) -> dict:
    """Operators (one per client thread), one API key, callers and categories."""
    from load_server import (
        BENCH_PASSWORD,
        demo_admin_and_community,
        django_setup,
        make_staff,
        sample_callers,
    )

    django_setup()
    from accounts import audit
    from accounts.models import Role
    from hotline.models import Category
    from open311.services import create_api_token
    from places.models import Grid

    admin, community = demo_admin_and_community()
    users = make_staff("bench-desk", operators, Role.OPERATOR, [community])
    _token, key = create_api_token(
        acting_user=admin,
        name="bench order throughput",
        community=community,
        scopes=["orders:write"],
        role=Role.OPERATOR,
        rate_limit_per_minute=1_000_000,
        channel=audit.Channel.COMMAND,
    )
    categories = list(
        Category.objects.filter(is_active=True, unit__isnull=True, default_level="grid")
        .order_by("order", "code")
        .values("code", "name")
    )
    plan = {
        "password": BENCH_PASSWORD,
        "operators": [u.username for u in users],
        "api_key": key,
        "callers": [c["pk"] for c in sample_callers(Grid.objects.filter(community=community), 500)],
        "categories": categories,
    }
    path.write_text(json.dumps(plan, ensure_ascii=False))
    return plan


# --- the client ----------------------------------------------------------------------


class Browser:
    """One keep-alive connection with the cookies a browser would keep."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            # A connection the server closed under us: one retry on a fresh one.
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for raw in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                if name in ("sessionid", "csrftoken"):
                    self.cookies[name] = morsel.value
        return response, data

    def login(self, username: str, password: str) -> str:
        """Log in through the form; the CSRF token of the console page afterwards."""
        _r, page = self.request("GET", "/accounts/login/")
        token = CSRF_INPUT.search(page.decode()).group(1)
        form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        response, _ = self.request(
            "POST",
            "/accounts/login/",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status != 302:
            raise RuntimeError(f"log-in of {username} answered {response.status}")
        response, page = self.request("GET", "/hotline/console/")
        if response.status != 200:
            raise RuntimeError(f"console answered {response.status} for {username}")
        return CSRF_HEADER.search(page.decode()).group(1)


class Run:
    """Shared clock and results of one mode's run."""

    def __init__(self, warmup: float, duration: float):
        now = time.time()
        self.begin = now + warmup
        self.end = self.begin + duration
        self.rows: list[tuple[float, bool, str]] = []
        self.lock = threading.Lock()

    def record(self, started: float, finished: float, ok: bool, error: str) -> None:
        if started >= self.begin and finished <= self.end:
            with self.lock:
                self.rows.append(((finished - started) * 1000, ok, error))


def web_client(run: Run, plan: dict, index: int, port: int, errors: list) -> None:
    browser = Browser(port)
    try:
        operator = plan["operators"][index % len(plan["operators"])]
        token = browser.login(operator, plan["password"])
    except Exception as exc:  # reported; the run goes on without this thread
        errors.append(f"log-in: {exc}")
        return
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
        "X-CSRFToken": token,
    }
    n = 0
    while time.time() < run.end:
        n += 1
        category = plan["categories"][n % len(plan["categories"])]
        form = {
            "step": "3",
            "caller": plan["callers"][(index * 7919 + n) % len(plan["callers"])],
            "category": category["name"],
            "description": f"{DESCRIPTION} ({index}-{n})",
            "channel": "phone",
        }
        started = time.time()
        try:
            response, _ = browser.request(
                "POST", "/hotline/console/intake/", urlencode(form).encode(), headers
            )
            ok = response.status == 200 and "created=" in (response.getheader("HX-Redirect") or "")
            error = "" if ok else f"HTTP {response.status}"
        except (http.client.HTTPException, OSError) as exc:
            ok, error = False, type(exc).__name__
        run.record(started, time.time(), ok, error)


def api_client(run: Run, plan: dict, index: int, port: int, errors: list) -> None:
    browser = Browser(port)
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {plan['api_key']}",
    }
    n = 0
    while time.time() < run.end:
        n += 1
        category = plan["categories"][n % len(plan["categories"])]
        body = {
            "category": category["code"],
            "caller_id": plan["callers"][(index * 7919 + n) % len(plan["callers"])],
            "description": f"{DESCRIPTION} ({index}-{n})",
        }
        started = time.time()
        try:
            response, _ = browser.request(
                "POST", "/api/hotline/orders", json.dumps(body).encode(), headers
            )
            ok = response.status == 201
            error = "" if ok else f"HTTP {response.status}"
        except (http.client.HTTPException, OSError) as exc:
            ok, error = False, type(exc).__name__
        run.record(started, time.time(), ok, error)


def healthz_client(run: Run, plan: dict, index: int, port: int, errors: list) -> None:
    """The ceiling, not an order: ``GET /healthz`` (one ``SELECT 1`` through gunicorn and
    the whole middleware stack) as fast as it answers, with the same clients and server.
    No request that creates an order can be served faster than this."""
    browser = Browser(port)
    while time.time() < run.end:
        started = time.time()
        try:
            response, _ = browser.request("GET", "/healthz")
            ok = response.status == 200
            error = "" if ok else f"HTTP {response.status}"
        except (http.client.HTTPException, OSError) as exc:
            ok, error = False, type(exc).__name__
        run.record(started, time.time(), ok, error)


def signed_in_client(run: Run, plan: dict, index: int, port: int, errors: list) -> None:
    """The ceiling of a signed-in request: the console's screen-pop poll, as an
    operator's page sends it every second (the session, the user, the grants and one
    look for a new call; 204, nothing written). A create does all this and more."""
    browser = Browser(port)
    try:
        browser.login(plan["operators"][index % len(plan["operators"])], plan["password"])
    except Exception as exc:  # reported; the run goes on without this thread
        errors.append(f"log-in: {exc}")
        return
    headers = {"HX-Request": "true"}
    while time.time() < run.end:
        started = time.time()
        try:
            response, _ = browser.request("GET", "/hotline/console/ring/?seen=0", None, headers)
            ok = response.status in (200, 204)
            error = "" if ok else f"HTTP {response.status}"
        except (http.client.HTTPException, OSError) as exc:
            ok, error = False, type(exc).__name__
        run.record(started, time.time(), ok, error)


CLIENTS = {
    "web": web_client,
    "api": api_client,
    "healthz": healthz_client,
    "signed_in": signed_in_client,
}
PATH_NAMES = {
    "web": "web form",
    "api": "JSON API",
    "healthz": "ceiling: GET /healthz",
    "signed_in": "ceiling: signed-in poll",
}
CEILINGS = {"healthz", "signed_in"}


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_mode(mode: str, plan: dict, server: Server, scratch: Scratch, args) -> dict:
    run = Run(args.warmup, args.duration)
    errors: list[str] = []
    target = CLIENTS[mode]
    meter = CpuMeter({"server": server.pids, "postgres": scratch.backend_pids})
    meter.start()
    threads = [
        threading.Thread(target=target, args=(run, plan, i, server.port, errors), daemon=True)
        for i in range(args.concurrency)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, run.begin - time.time()))
    cpu_begin = client_cpu()
    time.sleep(max(0.0, run.end - time.time()))
    cpu_end = client_cpu()
    for thread in threads:
        thread.join(timeout=90)
    meter.stop()
    server_cpu = meter.used_between(run.begin, run.end)
    window = run.end - run.begin
    times = [ms for ms, ok, _e in run.rows if ok]
    failures = Counter(e for _ms, ok, e in run.rows if not ok)
    done = len(times)
    return {
        "mode": mode,
        "orders": done,
        "per_s": done / window,
        "errors": sum(failures.values()) + len(errors),
        "error_kinds": failures.most_common(5) + [(e, 1) for e in errors[:5]],
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": max(times, default=0.0),
        "window_s": window,
        "client_cpu_s": cpu_end - cpu_begin,
        "server_cpu_s": server_cpu["server"],
        "postgres_cpu_s": server_cpu["postgres"],
    }


def run_engine(engine: str, args) -> list[dict]:
    scratch = Scratch(engine, "orders", keep=args.keep)
    try:
        print(f"[{engine}] demo community ({args.demo_orders} orders) into {scratch.where}…")
        built = scratch.prepare_demo(args.demo_orders)
        plan_path = scratch.var_dir / "plan.json"
        scratch.run(
            str(HERE), "--setup-plan", str(plan_path), "--concurrency", str(args.concurrency)
        )
        plan = json.loads(plan_path.read_text())
        print(f"[{engine}] built in {built:.0f} s; serving on port {args.port}…")
        results = []
        with Server(scratch, args.port, workers=args.workers, threads=args.threads) as server:
            for mode in args.mode:
                print(
                    f"[{engine}] {mode}: {args.concurrency} threads, {args.warmup:g} s warm-up, "
                    f"{args.duration:g} s measured…"
                )
                result = run_mode(mode, plan, server, scratch, args)
                result["engine"] = engine
                result["where"] = scratch.where
                results.append(result)
        return results
    finally:
        scratch.cleanup()


def report(results: list[dict], args) -> None:
    print()
    print(
        f"## Order creation: {args.concurrency} client threads, {args.duration:g} s measured, "
        f"gunicorn with {args.workers} workers × {args.threads} threads"
    )
    print()
    print(
        "| engine | path | orders/s | orders | errors | p50 ms | p95 ms | p99 ms | max ms "
        "| server CPU ms/order | PostgreSQL CPU ms/order | client CPU (cores) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        per = max(1, r["orders"])
        pg = f"{r['postgres_cpu_s'] * 1000 / per:.1f}" if r["engine"] == "postgres" else "—"
        path = PATH_NAMES[r["mode"]]
        print(
            f"| {r['engine']} | {path} | **{r['per_s']:.1f}** | {r['orders']} | {r['errors']} "
            f"| {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} "
            f"| {r['server_cpu_s'] * 1000 / per:.1f} | {pg} "
            f"| {r['client_cpu_s']:.1f} s ({r['client_cpu_s'] / r['window_s']:.2f}) |"
        )
    print()
    for r in results:
        if r["mode"] in CEILINGS:
            continue  # a ceiling, not an order
        verdict = "met" if r["per_s"] > TARGET_PER_S and r["errors"] == 0 else "NOT met"
        print(f"{r['engine']} {r['mode']}: target > {TARGET_PER_S}/s with no errors: {verdict}")
        for kind, count in r["error_kinds"]:
            print(f"  {count} × {kind}")


# --- the profile ---------------------------------------------------------------------

LAYERS = [
    (
        "database driver (sqlite3 / psycopg, incl. commit)",
        ("sqlite3", "SQLiteCursorWrapper", "psycopg"),
    ),
    ("Django ORM", ("django/db/",)),
    ("Django templates", ("django/template/", "django/templatetags/")),
    ("Django forms", ("django/forms/",)),
    ("django-ninja / pydantic", ("/ninja/", "/pydantic")),
    ("sessions, auth, messages, CSRF, middleware", ("django/contrib/", "django/middleware/")),
    ("Django request/response, URLs, i18n", ("django/",)),
    ("encryption and hashing", ("cryptography", "hashlib", "hmac", "_hashlib")),
    (
        "linli code",
        ("/hotline/", "/accounts/", "/people/", "/places/", "/linli/", "/open311/", "/care/"),
    ),
]


OTHER = "other (Python, libraries)"


def layer_of(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    for label, needles in LAYERS:
        if any(n in where for n in needles):
            return label
    return OTHER


def time_by_layer(stats) -> dict[str, float]:
    """Own time per layer. Built-ins and the standard library (getattr, isinstance,
    copy…) count for the layer that called them, one level up."""
    from collections import defaultdict

    spent: dict[str, float] = defaultdict(float)
    for (filename, _line, function), (_cc, _nc, own, _cum, callers) in stats.stats.items():
        layer = layer_of(filename, function)
        if layer != OTHER or not callers:
            spent[layer] += own
            continue
        passed_on = 0.0
        for (c_file, _c_line, c_function), row in callers.items():
            spent[layer_of(c_file, c_function)] += row[2]
            passed_on += row[2]
        spent[OTHER] += max(0.0, own - passed_on)
    return spent


def profile_inside(plan_path: Path, creates: int, clock: str) -> None:
    """In the scratch environment: single creates through the test client, profiled."""
    import cProfile
    import pstats

    if plan_path.exists():  # a kept scratch database profiled again
        from load_server import django_setup

        django_setup()
        plan = json.loads(plan_path.read_text())
    else:
        plan = setup_plan(plan_path, 1)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST)
    page = client.get("/accounts/login/").content.decode()
    token = CSRF_INPUT.search(page).group(1)
    response = client.post(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": token,
            "username": plan["operators"][0],
            "password": plan["password"],
        },
    )
    assert response.status_code == 302, response.status_code
    token = CSRF_HEADER.search(client.get("/hotline/console/").content.decode()).group(1)
    counter = iter(range(10**9))
    # An integration sends its key and nothing else: no session cookie.
    integration = Client(HTTP_HOST=HOST)

    def web():
        n = next(counter)
        category = plan["categories"][n % len(plan["categories"])]
        response = client.post(
            "/hotline/console/intake/",
            {
                "step": "3",
                "caller": plan["callers"][n % len(plan["callers"])],
                "category": category["name"],
                "description": f"{DESCRIPTION} ({n})",
                "channel": "phone",
            },
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=token,
        )
        assert "created=" in response.headers.get("HX-Redirect", ""), response.status_code

    def api():
        n = next(counter)
        category = plan["categories"][n % len(plan["categories"])]
        response = integration.post(
            "/api/hotline/orders",
            {
                "category": category["code"],
                "caller_id": plan["callers"][n % len(plan["callers"])],
                "description": f"{DESCRIPTION} ({n})",
            },
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {plan['api_key']}",
        )
        assert response.status_code == 201, response.status_code

    timer = time.process_time if clock == "cpu" else time.perf_counter
    for name, create in (("web form", web), ("JSON API", api)):
        for _ in range(20):
            create()
        walls, cpus = [], []
        for _ in range(creates):
            w, c = time.perf_counter(), time.process_time()
            create()
            walls.append((time.perf_counter() - w) * 1000)
            cpus.append((time.process_time() - c) * 1000)
        with CaptureQueriesContext(connection) as captured:
            create()
        # Copied now: the next request's start clears the connection's query log.
        queries = list(captured.captured_queries)
        profiler = cProfile.Profile(timer)
        profiler.enable()
        for _ in range(creates):
            create()
        profiler.disable()
        stats = pstats.Stats(profiler)
        by_layer = time_by_layer(stats)
        total = sum(by_layer.values())
        # cProfile slows every call down; its shares are right, its milliseconds are
        # not. Scale the shares to an unprofiled create's mean time on the same clock.
        unprofiled = sum(cpus if clock == "cpu" else walls) / creates
        print(f"\n## {name}: one create in-process ({creates} creates, {connection.vendor})")
        print(
            f"wall p50 {percentile(walls, 50):.1f} ms, p95 {percentile(walls, 95):.1f} ms; "
            f"CPU p50 {percentile(cpus, 50):.1f} ms → at most "
            f"{2000 / max(0.01, percentile(cpus, 50)):.0f} orders/s on 2 cores; "
            f"{len(queries)} queries"
        )
        print(
            f"\nWhere the time goes ({clock} clock; share of own time per layer, and that "
            f"share of an unprofiled create's {unprofiled:.1f} ms):"
        )
        for label, spent in sorted(by_layer.items(), key=lambda kv: -kv[1]):
            print(f"  {spent / total:5.1%}  {spent / total * unprofiled:6.2f} ms  {label}")
        print("\nQueries of one create:")
        for q in queries:
            print(f"  {q['time']}s  {q['sql'][:160]}")
        print(f"\nTop functions by cumulative {clock} time ({creates} creates):")
        stats.sort_stats("cumulative").print_stats(30)
        print(f"Top functions by own {clock} time:")
        stats.sort_stats("tottime").print_stats(20)


def profile_engine(engine: str, args) -> None:
    scratch = Scratch(engine, "orders", keep=args.keep)
    try:
        print(f"[{engine}] demo community ({args.demo_orders} orders) into {scratch.where}…")
        scratch.prepare_demo(args.demo_orders)
        out = scratch.run(
            str(HERE),
            "--profile-inside",
            str(scratch.var_dir / "plan.json"),
            "--creates",
            str(args.creates),
            "--clock",
            args.clock,
        )
        print(out)
    finally:
        scratch.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--mode",
        type=lambda s: s.split(","),
        default=["web", "api"],
        help="web, api or both (web,api); healthz and signed_in measure the ceilings of any "
        "request and of a signed-in one",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds per path")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--demo-orders", type=int, default=2400, help="LINLI_DEMO_ORDERS")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (scripts/serve.sh runs two)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", action="store_true", help="profile single creates instead")
    parser.add_argument("--creates", type=int, default=200, help="creates profiled per path")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu", help="profile clock")
    parser.add_argument("--setup-plan", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-inside", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_plan:
        setup_plan(args.setup_plan, args.concurrency)
        return
    if args.profile_inside:
        profile_inside(args.profile_inside, args.creates, args.clock)
        return
    unknown = set(args.mode) - set(CLIENTS)
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    if args.profile:
        for engine in engines:
            profile_engine(engine, args)
        return
    results = []
    for engine in engines:
        results += run_engine(engine, args)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
