"""``manage.py purge_audit [--before YYYY-MM-DD] [--dry-run]``: the retention purge."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.retention import purge_audit_log
from linli.lib.errors import ServiceError


def _date(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--before {value!r} is not a date (YYYY-MM-DD).") from None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class Command(BaseCommand):
    help = (
        "Delete audit log entries older than a date (default: the retention limit, "
        "LINLI_AUDIT_RETENTION_DAYS). Entries inside the retention period are never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", type=_date, help="Delete entries before this date.")
        parser.add_argument("--dry-run", action="store_true", help="Only count; delete nothing.")

    def handle(self, *, before, dry_run, **options):
        try:
            result = purge_audit_log(before=before, dry_run=dry_run)
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        cutoff = timezone.localtime(result.cutoff).strftime("%Y-%m-%d %H:%M")
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb} {result.count} audit entries older than {cutoff} "
            f"(retention {settings.LINLI_AUDIT_RETENTION_DAYS} days)"
        )
