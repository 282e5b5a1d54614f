"""A background-task worker killed in the middle of a task does not lose the task:
the scheduler puts it back in the queue and the next worker runs it to the end."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from linli.lib import task_recovery
from linli.tests.blocking_task import block_on_first_run

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LATER = dt.timedelta(minutes=16)  # past the default LINLI_TASK_TIMEOUT_MINUTES of 15


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(worker_id: str, log: Path, *extra: str) -> subprocess.Popen:
    """``manage.py db_worker`` in its own process, on the test database."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "LINLI_TASKS": "database"}
    command = [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "db_worker",
        "--interval=0.1",
        "--no-startup-delay",
        "--no-reload",
        f"--worker-id={worker_id}",
        *extra,
    ]
    return subprocess.Popen(  # noqa: S603 — our own command line
        command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the worker never started the task: {path} is missing")
        time.sleep(0.05)


def test_a_task_whose_worker_was_killed_runs_to_completion(
    transactional_db, database_tasks, tmp_path
):
    result = block_on_first_run.enqueue(str(tmp_path))
    first = _worker("first-worker", tmp_path / "first.log")
    try:
        _wait_for(tmp_path / "started", first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()

    row = DBTaskResult.objects.get(pk=result.id)
    # What the backend alone would do: stay "running" for ever.
    assert row.status == TaskResultStatus.RUNNING and row.worker_ids == ["first-worker"]
    # Inside the time limit a task may just be slow: it is left alone.
    assert task_recovery.requeue_abandoned().requeued == 0

    recovery = task_recovery.requeue_abandoned(now=timezone.now() + LATER)
    assert recovery.requeued == 1
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY

    second = _worker("second-worker", tmp_path / "second.log", "--batch")
    try:
        second.wait(timeout=30)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL, (tmp_path / "second.log").read_text()
    assert row.return_value == "done"
    assert row.worker_ids == ["first-worker", "second-worker"]
    assert (tmp_path / "runs").read_text().count("run") == 2


def _running(started_minutes_ago: int, worker_ids: list[str]) -> DBTaskResult:
    result = block_on_first_run.enqueue("/nonexistent")
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=started_minutes_ago),
        worker_ids=worker_ids,
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_the_scheduler_requeues_abandoned_tasks_every_round(db, database_tasks):
    abandoned = _running(20, ["w1"])
    busy = _running(2, ["w2"])
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "requeued 1 tasks" in out.getvalue()
    abandoned.refresh_from_db()
    busy.refresh_from_db()
    assert abandoned.status == TaskResultStatus.READY and abandoned.started_at is None
    assert busy.status == TaskResultStatus.RUNNING


def test_a_task_that_keeps_killing_its_worker_is_given_up(db, database_tasks):
    poison = _running(20, ["w1", "w2", "w3"])
    recovery = task_recovery.requeue_abandoned()
    assert (recovery.requeued, recovery.failed) == (0, 1)
    poison.refresh_from_db()
    assert poison.status == TaskResultStatus.FAILED
    assert poison.exception_class_path.endswith("WorkerLost")
    assert "3 times" in poison.traceback


def test_nothing_to_recover_when_tasks_do_not_run_from_the_database(db):
    # The test settings run tasks inline (conftest.py): no queue, nothing to do.
    assert task_recovery.requeue_abandoned() == task_recovery.Recovery()
