"""Browser end-to-end tests: the real app, served the way a user meets it.

One session-scoped server: a fresh SQLite database in a temporary ``LINLI_VAR_DIR``,
``migrate``, ``load_demo`` and ``collectstatic``, then gunicorn with DEBUG off on a free
127.0.0.1 port and the background-task worker beside it, as in production. Tests drive
Debian's chromium through pytest-playwright and never reach into the database: what
a test knows, it learnt from the pages, like a new user would.

Fixtures: ``linli_server`` (url, var_dir, log files, ``manage(...)`` for what an
installer does on the command line), ``page`` (a desktop page, 1280×800, Chinese),
``phone_page`` (375×812), ``new_page(**context_args)`` for anything else, ``api`` (an
HTTP client for the JSON API, as the phone system uses it). Helpers in ``e2e.helpers``:
``login``, ``shot``, ``axe``, ``telephony_key``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
ROOT = E2E_DIR.parent
CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
LOG_DIR = ROOT / "var" / "e2e" / "logs"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
# Playwright's timeouts are 30 s; a page of this app answers in well under one, so a
# broken step fails fast instead of eating the run's five minutes.
STEP_TIMEOUT_MS = 10_000
# The whole run must stay well under five minutes; a set-up step that takes four is broken
# (load_demo builds 7,000 residents and their care plans; on a busy machine that is slow).
SETUP_STEP_TIMEOUT_S = 240
BOOT_TIMEOUT_S = 60  # gunicorn imports the whole app in each worker before answering

# Chromium's own network chatter (updates, sync, QUIC probes) stays off: the tests
# talk to 127.0.0.1 only. Playwright gives every launch a fresh temporary profile
# (its --user-data-dir), so no state leaks from one run to the next.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Everything under e2e/ needs a browser and a server: mark it, so that
    # `pytest -m "not e2e"` (make test) leaves it out and `make e2e` picks it up.
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


# --- The server ------------------------------------------------------------------


@dataclass
class LinliServer:
    url: str
    var_dir: Path
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def manage(self, *args: str) -> str:
        """Run a management command against this server's database, as an installer
        would (e.g. to register the phone system); its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=_server_env(self.var_dir),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            parts.append(f"--- {name} ({path}) ---\n" + "\n".join(text))
        return "\n".join(parts)


def _free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 8000:  # reserved for `make run`
            return port


def _server_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(
        LINLI_VAR_DIR=str(var_dir),
        DEBUG="0",
        LINLI_HTTPS="0",
        LINLI_TASKS="database",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="e2e.settings",
        # A lighter hotline year than `make run` (2,400 orders): the stories need the
        # demo's people and places, not a full year of history.
        LINLI_DEMO_ORDERS="600",
    )
    return env


def _manage(env: dict, *args: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


# How long each set-up step took (seconds), reported at the end of the run: the machine
# is shared, and a slow run is either a slow set-up or slow tests.
SETUP_SECONDS: dict[str, float] = {}


def _check(proc: subprocess.Popen, what: str, logs: dict[str, Path]) -> None:
    try:
        failed = proc.wait(timeout=SETUP_STEP_TIMEOUT_S) != 0
        outcome = f"exited {proc.returncode}"
    except subprocess.TimeoutExpired:
        _stop(proc)
        failed, outcome = True, f"took longer than {SETUP_STEP_TIMEOUT_S} s"
    if failed:
        tail = logs["setup"].read_text(errors="replace")[-3000:]
        pytest.exit(f"e2e set-up failed: {what} {outcome}\n{tail}", returncode=1)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def linli_server(tmp_path_factory) -> LinliServer:
    """The demo community served by gunicorn and worked by db_worker, for the session."""
    var_dir = tmp_path_factory.mktemp("linli-var")
    env_file = ROOT / "var" / "linli.env"
    if env_file.exists():
        shutil.copy(env_file, var_dir / "linli.env")
    else:  # plain `pytest -m e2e` on a fresh clone: make throwaway keys
        keys = subprocess.run(
            [sys.executable, "-m", "linli.lib.keys"], cwd=ROOT, check=True, capture_output=True
        )
        (var_dir / "linli.env").write_bytes(keys.stdout + b"LINLI_HTTPS=0\n")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    logs = {name: LOG_DIR / f"{name}.log" for name in ("setup", "gunicorn", "worker")}
    for log in logs.values():
        log.write_bytes(b"")
    env = _server_env(var_dir)

    port = _free_port()
    server = LinliServer(url=f"http://127.0.0.1:{port}", var_dir=var_dir, logs=logs)
    gunicorn = [sys.executable, "-m", "gunicorn", "linli.wsgi", "--workers", "2", "--timeout", "60"]
    worker = ["db_worker", "--queue-name", "*", "--interval", "0.5", "--no-reload"]
    started = time.monotonic()
    died: list[str] = []
    # collectstatic does not touch the database: it runs while the schema is built.
    # gunicorn boots (imports the whole app in each worker) while the demo loads; it
    # gets no request before the demo is in. The task worker starts after the demo,
    # so that it never competes with load_demo for the database.
    static = _manage(env, "collectstatic", "--noinput", "--verbosity", "0", log=logs["setup"])
    try:
        began = time.monotonic()
        _check(_manage(env, "migrate", "--noinput", "-v0", log=logs["setup"]), "migrate", logs)
        SETUP_SECONDS["migrate"] = time.monotonic() - began
        with logs["gunicorn"].open("ab") as out:
            server.processes["gunicorn"] = subprocess.Popen(
                [*gunicorn, "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        began = time.monotonic()
        _check(_manage(env, "load_demo", log=logs["setup"]), "load_demo", logs)
        SETUP_SECONDS["load_demo"] = time.monotonic() - began
        _check(static, "collectstatic", logs)
        server.processes["worker"] = _manage(env, *worker, "--no-startup-delay", log=logs["worker"])
        began = time.monotonic()
        _wait_until_up(server)
        SETUP_SECONDS["server up after the demo"] = time.monotonic() - began
        SETUP_SECONDS["set-up in all"] = time.monotonic() - started
        yield server
        died = [name for name, proc in server.processes.items() if proc.poll() is not None]
    finally:
        for proc in (static, *server.processes.values()):
            if proc.poll() is None:
                proc.terminate()  # all at once: each may take a moment to finish
        for proc in (static, *server.processes.values()):
            _stop(proc)
    if died:  # a worker that crashed mid-run would leave background work silently undone
        raise RuntimeError(f"e2e: {', '.join(died)} stopped during the run\n{server.log_tail()}")


def _wait_until_up(server: LinliServer) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while time.monotonic() < deadline:
        for name, proc in server.processes.items():
            if proc.poll() is not None:
                pytest.exit(f"e2e: {name} died at start\n{server.log_tail()}", returncode=1)
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # refused while binding, timed out while workers boot
            pass
        time.sleep(0.2)
    pytest.exit(
        f"e2e: the server did not answer in {BOOT_TIMEOUT_S} s\n{server.log_tail()}", returncode=1
    )


def pytest_terminal_summary(terminalreporter):
    if SETUP_SECONDS:
        steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in SETUP_SECONDS.items())
        terminalreporter.write_line(f"e2e set-up: {steps}")


# --- The browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def base_url(linli_server) -> str:
    return linli_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.exit(f"e2e: {CHROMIUM} is missing; run `make browser` first.", returncode=1)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


# What every page starts with unless a test asks otherwise (new_page(**overrides)).
CONTEXT_DEFAULTS = {"viewport": DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def new_page(new_context, request):
    """Open a page in a fresh browser context; keyword arguments go to the context.

    Every page's script errors and CSP refusals are collected; a test that caused any
    fails at teardown, so a broken script on some page never goes unnoticed.
    """
    errors: list[str] = []

    def _open(**context_args):
        context = new_context(**{**CONTEXT_DEFAULTS, **context_args})
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
        context.on("weberror", lambda error: errors.append(f"script error: {error.error}"))
        context.on("console", lambda msg: _console(msg, errors))
        return context.new_page()

    yield _open
    if errors and not getattr(request.node, "_e2e_failed", False):
        pytest.fail("the browser reported errors:\n" + "\n".join(errors), pytrace=False)


def _console(msg, errors: list[str]) -> None:
    # A 404 page is a normal answer for some tests; its "failed to load" line is not
    # a script problem.
    if msg.type == "error" and "Failed to load resource" not in msg.text:
        errors.append(f"console: {msg.text}")


@pytest.fixture
def api(playwright, linli_server):
    """An HTTP client for the JSON API, as another system (the phone system) calls it."""
    context = playwright.request.new_context(base_url=linli_server.url)
    yield context
    context.dispose()


@pytest.fixture
def page(new_page):
    """A desktop page (1280×800), Chinese, in its own fresh context."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A phone-sized page (375×812, touch), as a grid worker carries it."""
    return new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item._e2e_failed = True  # don't pile browser noise on top of a real failure
    return report
