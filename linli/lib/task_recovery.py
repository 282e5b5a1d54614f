"""Putting back in the queue the background tasks whose worker died mid-task.

The database task backend (django-tasks-db) marks a task RUNNING when a worker claims
it and SUCCESSFUL or FAILED when the worker finishes it. A worker killed in between
(SIGKILL, the out-of-memory killer, a power cut) never writes the end, and the
backend has no heartbeat to notice: the task would stay RUNNING for ever and never
run again.

``requeue_abandoned`` treats a task RUNNING for longer than
``LINLI_TASK_TIMEOUT_MINUTES`` as abandoned and makes it READY again, so the next
worker runs it. linli's tasks are idempotent (CONTRIBUTING.md), so a second run is
safe even in the rare case where the first worker was only slow. A task that has
been claimed ``MAX_ATTEMPTS`` times without finishing is marked FAILED instead: it is
probably what kills its worker, and retrying it for ever would take the worker down
again and again. ``manage.py run_scheduler`` calls this every minute.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class WorkerLost(Exception):
    """Recorded on a task given up after its worker died ``MAX_ATTEMPTS`` times."""


@dataclass(frozen=True)
class Recovery:
    requeued: int = 0
    failed: int = 0


def _database_backends() -> list[str]:
    """The aliases of the configured task backends that keep their queue in the
    database (none when the tasks run in Redis or inline)."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return [alias for alias in settings.TASKS if isinstance(task_backends[alias], DatabaseBackend)]


def requeue_abandoned(
    *, now: dt.datetime | None = None, timeout: dt.timedelta | None = None
) -> Recovery:
    """Requeue (or, after ``MAX_ATTEMPTS`` claims, fail) tasks running too long."""
    backends = _database_backends()
    if not backends:
        return Recovery()
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    timeout = timeout or dt.timedelta(minutes=settings.LINLI_TASK_TIMEOUT_MINUTES)
    stale = DBTaskResult.objects.filter(
        backend_name__in=backends,
        status=TaskResultStatus.RUNNING,
        started_at__lt=now - timeout,
    )
    requeued = failed = 0
    for pk, started_at, worker_ids, task_path in stale.values_list(
        "pk", "started_at", "worker_ids", "task_path"
    ):
        # Conditional on what was read: a worker finishing it, or another scheduler
        # requeueing it at the same moment, wins and this one leaves it alone.
        claimed = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
        )
        attempts = len(worker_ids or ())
        if attempts >= MAX_ATTEMPTS:
            done = claimed.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=(
                    f"The worker running this task stopped without finishing it "
                    f"{attempts} times (killed, out of memory or hung); given up."
                ),
            )
            failed += done
            if done:
                logger.error(
                    "task %s (%s) lost its worker %d times; marked failed",
                    pk,
                    task_path,
                    attempts,
                )
        else:
            done = claimed.update(status=TaskResultStatus.READY, started_at=None)
            requeued += done
            if done:
                logger.warning(
                    "task %s (%s) was running since %s; its worker is gone: requeued",
                    pk,
                    task_path,
                    started_at.isoformat(),
                )
    return Recovery(requeued=requeued, failed=failed)
