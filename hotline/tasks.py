"""Background work of the hotline (Django Tasks; the database backend by default).

Both tasks are declared in ``HotlineConfig.periodic_tasks`` and enqueued every minute
by ``manage.py run_scheduler``.
"""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_deadlines() -> dict:
    """Warn assignees before deadlines, escalate late orders, flag overdue ones (督办)."""
    from hotline import sla

    return sla.sweep_deadlines()


@task()
def deliver_notifications() -> int:
    """Send what is waiting in the outbox (and retry what failed)."""
    from hotline import notify

    return notify.deliver_pending()
