"""A served scratch copy of linli for the load benchmarks (bench/load_operator.py,
bench/order_throughput.py).

``Scratch`` makes a fresh database — SQLite (WAL) in a temporary directory, or a
PostgreSQL database ``linli_load_<name>`` created for the run and dropped after it —
with its own keys, and runs management commands against it in subprocesses (the
scripts never import Django themselves, so one run can do both engines).
``Server`` serves it the way scripts/serve.sh does: gunicorn with two sync workers
and the background-task worker beside it, on 127.0.0.1, started and stopped by
process id. ``CpuMeter`` adds up the CPU time of the server's processes (and of the
PostgreSQL backends serving the scratch database) over a measured window, so a run
on a shared machine still says what the server itself spent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
HOST = "127.0.0.1"
BOOT_TIMEOUT_S = 120  # each gunicorn worker imports the whole app before answering
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


class Scratch:
    """A fresh, migrated database with the demo community, and the environment to
    run linli against it."""

    def __init__(self, engine: str, name: str, *, keep: bool = False):
        if engine not in ("sqlite", "postgres"):
            raise ValueError(f"unknown engine {engine!r}")
        self.engine = engine
        self.keep = keep
        self.var_dir = Path(tempfile.mkdtemp(prefix=f"linli-load-{name}-{engine}-"))
        self.db_name = f"linli_load_{name}"
        keys = subprocess.run(
            [sys.executable, "-m", "linli.lib.keys"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (self.var_dir / "linli.env").write_text(keys)
        # The clients never fetch assets; an empty STATIC_ROOT spares whitenoise's
        # warning without a collectstatic run.
        (self.var_dir / "static").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DATABASE_"))}
        env.pop("REDIS_URL", None)
        env.update(
            LINLI_VAR_DIR=str(self.var_dir),
            DJANGO_SETTINGS_MODULE="linli.settings",
            DEBUG="0",
            LINLI_HTTPS="0",
            LINLI_TASKS="database",
            ALLOWED_HOSTS=f"{HOST},localhost",
            PYTHONUNBUFFERED="1",
        )
        if engine == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.db_name}"')
            env["DATABASE_URL"] = f"{PG_SERVER}/{self.db_name}"
        self.env = env

    @property
    def where(self) -> str:
        if self.engine == "postgres":
            return f"PostgreSQL database {self.db_name}"
        return "SQLite (WAL) file in a temporary directory"

    def log(self, name: str) -> Path:
        return self.var_dir / f"{name}.log"

    def run(self, *args: str, extra_env: dict | None = None, timeout: int = 1800) -> str:
        """Run ``python ARGS`` from the repository against this database; its output.
        Fails loudly with the tail of the output."""
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        with self.log("setup").open("a") as out:
            out.write(done.stdout + done.stderr)
        if done.returncode != 0:
            tail = (done.stdout + done.stderr)[-3000:]
            raise RuntimeError(f"python {' '.join(args)} failed:\n{tail}")
        return done.stdout

    def prepare_demo(self, demo_orders: int) -> float:
        """migrate + load_demo (LINLI_DEMO_ORDERS orders in its year); the seconds."""
        started = time.monotonic()
        self.run("manage.py", "migrate", "--noinput", "-v0")
        self.run("manage.py", "load_demo", extra_env={"LINLI_DEMO_ORDERS": str(demo_orders)})
        return time.monotonic() - started

    def backend_pids(self) -> list[int]:
        """Process ids of the PostgreSQL backends serving clients of the scratch database."""
        if self.engine != "postgres":
            return []
        import psycopg

        try:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                rows = conn.execute(
                    # Client backends only: autovacuum busy with the freshly loaded
                    # tables is not the requests' work.
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = %s AND backend_type = 'client backend'",
                    [self.db_name],
                ).fetchall()
        except psycopg.Error:
            return []
        return [row[0] for row in rows]

    def cleanup(self) -> None:
        if self.keep:
            print(f"kept: {self.where} (LINLI_VAR_DIR={self.var_dir})")
            return
        if self.engine == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.var_dir, ignore_errors=True)


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


class Server:
    """gunicorn (two sync workers) and the task worker, as scripts/serve.sh runs them."""

    def __init__(self, scratch: Scratch, port: int, *, workers: int = 2, threads: int = 1):
        if port == 8000:
            raise ValueError("port 8000 belongs to `make run`; pick another")
        self.scratch = scratch
        self.port = port
        self.workers = workers
        self.threads = threads  # more than one: gunicorn's threaded (gthread) workers
        self.url = f"http://{HOST}:{port}"
        self.processes: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, args: list[str]) -> None:
        with self.scratch.log(name).open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=self.scratch.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def start(self) -> float:
        """Start and wait until /healthz answers; the seconds it took."""
        if _port_in_use(self.port):
            raise RuntimeError(f"port {self.port} is taken; pass another with --port")
        started = time.monotonic()
        access_log = str(self.scratch.log("access"))
        self._spawn(
            "gunicorn",
            [
                "-m",
                "gunicorn",
                "linli.wsgi",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--access-logfile",
                access_log,
            ],
        )
        self._spawn("worker", ["manage.py", "db_worker", "--queue-name", "*", "--no-reload"])
        deadline = started + BOOT_TIMEOUT_S
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{name} died at start:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the server did not answer in {BOOT_TIMEOUT_S} s:\n{self.tail()}")

    def pids(self) -> list[int]:
        """gunicorn's master and workers and the task worker."""
        roots = [p.pid for p in self.processes.values() if p.poll() is None]
        return roots + _children(roots)

    def tail(self, lines: int = 30) -> str:
        parts = []
        for name in self.processes:
            path = self.scratch.log(name)
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            parts.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(parts)

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _children(parents: list[int]) -> list[int]:
    wanted = set(parents)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in wanted:
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float | None:
    """user + system CPU seconds of one process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


class CpuMeter:
    """CPU seconds spent by changing sets of processes, sampled twice a second.

    A process that ends between samples (a PostgreSQL backend whose connection aged
    out) still counts up to its last sample; one born after the start counts from
    zero. ``used_between(t0, t1)`` gives the CPU spent between two wall-clock times.
    """

    def __init__(self, pid_sources: dict):
        self.pid_sources = pid_sources  # label -> callable returning pids
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.series: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self, *, baseline: bool) -> None:
        for label, source in self.pid_sources.items():
            for pid in source():
                used = cpu_seconds(pid)
                if used is None:
                    continue
                key = (label, pid)
                self.first.setdefault(key, used if baseline else 0.0)
                self.last[key] = used
        totals: dict[str, float] = dict.fromkeys(self.pid_sources, 0.0)
        for key, used in self.last.items():
            totals[key[0]] += used - self.first[key]
        self.series.append((time.time(), totals))

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self._sample(baseline=False)

    def start(self) -> None:
        self._sample(baseline=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """Stop sampling; the CPU seconds since the start, per label."""
        self._stop.set()
        self._thread.join()
        self._sample(baseline=False)
        return self.series[-1][1]

    def _at(self, moment: float) -> dict[str, float]:
        latest = self.series[0][1]
        for at, totals in self.series:
            if at > moment:
                break
            latest = totals
        return latest

    def used_between(self, t0: float, t1: float) -> dict[str, float]:
        begin, end = self._at(t0), self._at(t1)
        return {label: end[label] - begin[label] for label in self.pid_sources}


# --- inside Django: accounts and samples for the clients ------------------------------
# These run in a subprocess started with ``Scratch.run`` (the scratch database's
# environment), never in the process that drives the load.

BENCH_PASSWORD = "quiet-lantern-2026"  # noqa: S105 — scratch accounts, dropped after the run


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def demo_admin_and_community():
    from accounts.models import User
    from linli.demo import DEMO_COMMUNITY_CODE
    from places.models import Community

    return (
        User.objects.get(username="admin"),
        Community.objects.get(code=DEMO_COMMUNITY_CODE),
    )


def make_staff(prefix: str, count: int, role: str, places: list) -> list:
    """``count`` accounts named prefix-01… with the bench password, each holding
    ``role`` over ``places[i % len(places)]`` (a community or a grid), opened and
    granted through the accounts services by the demo's administrator."""
    from accounts import audit
    from accounts.services import create_staff_account, grant_role
    from places.models import Community

    admin = demo_admin_and_community()[0]
    users = []
    for i in range(count):
        place = places[i % len(places)]
        user = create_staff_account(
            acting_user=admin,
            username=f"{prefix}-{i + 1:02d}",
            password=BENCH_PASSWORD,
            display_name=f"{prefix} {i + 1}",
            channel=audit.Channel.COMMAND,
        )
        where = {"community": place} if isinstance(place, Community) else {"grid": place}
        grant_role(acting_user=admin, user=user, role=role, channel=audit.Channel.COMMAND, **where)
        users.append(user)
    return users


def sample_callers(grids: list, count: int, seed: int = 9) -> list[dict]:
    """Residents living in ``grids`` with a phone on file: what an operator searches
    for (name, last four digits of the phone) and where the order will go (grid)."""
    import random

    from people.models import Resident

    residents = list(
        Resident.objects.filter(
            household__building__compound__grid__in=grids, moved_away_on__isnull=True
        )
        .filter(phones__isnull=False)
        .distinct()
        .select_related("household__building__compound")
        .prefetch_related("phones")
        .order_by("pk")
    )
    rng = random.Random(seed)
    chosen = rng.sample(residents, min(count, len(residents)))
    return [
        {
            "pk": r.pk,
            "name": r.name,
            "last4": r.phones.all()[0].reveal()[-4:],
            "grid": r.household.building.compound.grid_id,
        }
        for r in chosen
    ]
