"""Keeping the audit log for the retention period, and purging what is older.

The audit log is append-only in the database (migration 0002 installs triggers).
Rows older than ``LINLI_AUDIT_RETENTION_DAYS`` (at least 183 days) may be purged by
an administrator with ``manage.py purge_audit``; the purge lifts the trigger only
inside its own transaction, and writes an audit row saying what it removed.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import AuditLog
from linli.lib.errors import ServiceError

UNLOCK_TABLE = "accounts_auditlog_unlock"


@contextmanager
def audit_log_unlocked(using: str = DEFAULT_DB_ALIAS):
    """Let DELETE pass the append-only trigger, inside one transaction only.

    The unlock row is inserted and removed within the same transaction, so no other
    connection ever sees it; if anything fails, the rollback removes it too.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {UNLOCK_TABLE} (id) VALUES (1)")  # noqa: S608 — constant
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")  # noqa: S608 — constant


def earliest_allowed_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Entries newer than this must be kept: the retention period has not passed."""
    now = now or timezone.now()
    return now - dt.timedelta(days=settings.LINLI_AUDIT_RETENTION_DAYS)


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.datetime
    count: int
    dry_run: bool


def purge_audit_log(
    *, acting_user=None, before: dt.datetime | None = None, dry_run: bool = False
) -> PurgeResult:
    """Delete audit entries older than ``before`` (default: the retention limit).

    Refuses a cut-off inside the retention period. The purge itself is recorded as
    a new audit entry (``audit.purge``) after the trigger is back in force.
    """
    limit = earliest_allowed_cutoff()
    cutoff = before or limit
    if cutoff > limit:
        raise ServiceError(
            _(
                "Audit entries must be kept for %(days)d days; "
                "the earliest cut-off allowed now is %(limit)s."
            )
            % {
                "days": settings.LINLI_AUDIT_RETENTION_DAYS,
                "limit": timezone.localtime(limit).strftime("%Y-%m-%d %H:%M"),
            },
            code="inside_retention",
        )
    old = AuditLog.objects.filter(at__lt=cutoff)
    if dry_run:
        return PurgeResult(cutoff=cutoff, count=old.count(), dry_run=True)
    with transaction.atomic():
        with audit_log_unlocked():
            count, _per_model = old.delete()
        audit.record(
            acting_user,
            "audit.purge",
            object_type="accounts.auditlog",
            channel=audit.Channel.COMMAND,
            note=f"removed {count} entries older than {cutoff.isoformat()}",
        )
    return PurgeResult(cutoff=cutoff, count=count, dry_run=False)
