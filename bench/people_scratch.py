"""A scratch database for the registry benchmarks: SQLite in a temporary directory or a
PostgreSQL database created for the run and dropped afterwards.

Import this module before Django is set up: ``scratch(engine, name)`` sets the
environment (fresh keys, LINLI_VAR_DIR, DATABASE_URL), sets Django up and migrates.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def _keys(var_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "linli.lib.keys"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (var_dir / "linli.env").write_text(out)


def scratch(engine: str, name: str, *, keep: bool = False, reuse: bool = False) -> str:
    """Prepare an empty migrated database; returns a description for the report.

    ``keep`` leaves the database (and its keys, in a fixed directory under the
    system's temporary directory) for a later run with ``reuse``, which opens it as
    it is instead of starting empty.
    """
    sys.path.insert(0, str(ROOT))
    if keep or reuse:
        # One kept directory per engine: the keys of a kept SQLite run must not replace
        # those a kept PostgreSQL database was encrypted with.
        var_dir = Path(tempfile.gettempdir()) / f"linli-bench-{name}-{engine}"
        if reuse and not (var_dir / "linli.env").exists():
            raise SystemExit(f"nothing kept to reuse: run with --keep first ({name})")
        var_dir.mkdir(exist_ok=True)
    else:
        var_dir = Path(tempfile.mkdtemp(prefix=f"linli-bench-{name}-"))
    if not reuse:
        if keep:
            for suffix in ("", "-wal", "-shm"):
                (var_dir / f"linli.sqlite3{suffix}").unlink(missing_ok=True)
        _keys(var_dir)
    os.environ["LINLI_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "linli.settings"
    os.environ["LINLI_TASKS"] = "immediate"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if engine == "postgres":
        import psycopg

        db = f"linli_bench_{name}"
        if not reuse:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{db}"')
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{db}"

        def drop():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

        if not (keep or reuse):
            atexit.register(drop)
        where = f"PostgreSQL database {db}"
    else:
        os.environ.pop("DATABASE_URL", None)
        where = f"SQLite file {var_dir / 'linli.sqlite3'}"
    if not (keep or reuse):
        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return where


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]
