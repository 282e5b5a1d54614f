"""Periodic care sweeps, enqueued by ``manage.py run_scheduler`` (see CareConfig)."""

from __future__ import annotations

from django_tasks import task

from care import services


@task()
def escalate_care_alerts() -> int:
    """Alerts nobody acted on by the evening go to the community."""
    return len(services.escalate_alerts())


@task()
def detect_recurring_problems() -> int:
    """Raise recurring-problem cards from the orders of the last months."""
    return len(services.detect_recurring_problems())


@task()
def accrue_order_hours() -> int:
    """Credit volunteers for the errands and companionship orders they resolved."""
    return services.accrue_order_hours()
