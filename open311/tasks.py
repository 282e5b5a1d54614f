"""Background work of the open311 app (Django Tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def file_submission(submission_id: int) -> str:
    """File a queued Open311 submission of a batch service as a work order."""
    from open311 import services

    submission = services.file_submission(submission_id)
    return submission.order.number if submission.order_id else submission.error


@task()
def purge_expired() -> int:
    """Forget idempotency answers older than a day and rate windows older than an hour."""
    from datetime import timedelta

    from django.utils import timezone

    from open311 import gate
    from open311.models import RateWindow

    deleted = gate.purge()
    old, _ = RateWindow.objects.filter(
        window_start__lt=timezone.now() - timedelta(hours=1)
    ).delete()
    return deleted + old
