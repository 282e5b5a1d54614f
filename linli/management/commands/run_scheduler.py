"""Enqueue periodic background tasks (the SLA sweep, check-in alerts, rollups).

Apps declare ``periodic_tasks = [(seconds, "app.tasks.name"), …]`` on their
AppConfig. This loop enqueues each task when it is due; the task worker
(``manage.py db_worker``) runs them. Run one scheduler per deployment.

Every minute it also puts back in the queue the tasks whose worker died while
running them (``linli.lib.task_recovery``): a task still RUNNING after
``LINLI_TASK_TIMEOUT_MINUTES`` is requeued, so a killed worker loses no work.
"""

from __future__ import annotations

import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from linli.lib.task_recovery import requeue_abandoned

RECOVERY_EVERY = 60  # seconds


def periodic_tasks() -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for config in apps.get_app_configs():
        found.extend(getattr(config, "periodic_tasks", ()))
    return found


class Command(BaseCommand):
    help = (
        "Enqueue the periodic background tasks when they are due, and requeue tasks "
        "whose worker died while running them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Requeue abandoned tasks, enqueue every task once and stop.",
        )

    def handle(self, *args, once: bool, **options):
        schedule = periodic_tasks()
        if not schedule:
            self.stdout.write("No periodic tasks are declared.")
        next_due = {path: 0.0 for _, path in schedule}
        next_recovery = 0.0
        while True:
            now = time.monotonic()
            if now >= next_recovery:
                self.recover()
                next_recovery = now + RECOVERY_EVERY
            for seconds, path in schedule:
                if now >= next_due[path]:
                    import_string(path).enqueue()
                    next_due[path] = now + seconds
                    self.stdout.write(f"enqueued {path}")
            if once:
                return
            time.sleep(5)

    def recover(self) -> None:
        recovery = requeue_abandoned()
        if recovery.requeued:
            self.stdout.write(f"requeued {recovery.requeued} tasks whose worker was gone")
        if recovery.failed:
            self.stdout.write(f"gave up {recovery.failed} tasks that kept losing their worker")
