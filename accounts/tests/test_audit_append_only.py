"""The audit log is append-only in the database; old entries leave only by the purge."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from accounts.retention import purge_audit_log
from linli.lib.errors import ServiceError

append_only = importlib.import_module("accounts.migrations.0002_audit_log_append_only")


def raw(sql, params=()):
    """Run one statement in its own savepoint, so a refusal leaves the test usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def stored(entry):
    with connection.cursor() as cursor:
        cursor.execute("SELECT action, note FROM accounts_auditlog WHERE id = %s", [entry.pk])
        return cursor.fetchone()


def triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'accounts_auditlog'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'accounts_auditlog'::regclass AND NOT tgisinternal"
            )
        return sorted(row[0] for row in cursor.fetchall())


def make_entry(action="test.entry", note="first words"):
    return audit.record(None, action, object_type="x", note=note)


@pytest.mark.django_db
def test_a_raw_update_of_an_audit_entry_is_refused_and_the_row_is_unchanged():
    entry = make_entry()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE accounts_auditlog SET note = %s WHERE id = %s", ["rewritten", entry.pk])
    assert stored(entry) == ("test.entry", "first words")


@pytest.mark.django_db
def test_a_raw_delete_of_an_audit_entry_is_refused_and_the_row_is_still_there():
    entry = make_entry()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM accounts_auditlog WHERE id = %s", [entry.pk])
    assert stored(entry) == ("test.entry", "first words")


@pytest.mark.django_db
def test_a_delete_of_the_whole_table_is_refused():
    make_entry()
    make_entry()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM accounts_auditlog")
    assert AuditLog.objects.count() == 2


@pytest.mark.django_db
def test_the_orm_cannot_edit_or_delete_an_entry_either():
    entry = make_entry()
    entry.note = "changed through the ORM"
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(action="x.changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).delete()
    assert stored(entry) == ("test.entry", "first words")


@pytest.mark.django_db
def test_new_entries_can_still_be_written():
    make_entry()
    make_entry("test.second")
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "test.entry",
        "test.second",
    ]


def entry_days_ago(days, action):
    with time_machine.travel(timezone.now() - dt.timedelta(days=days), tick=False):
        return make_entry(action)


@pytest.mark.django_db
def test_the_purge_removes_only_entries_older_than_the_retention_period(settings):
    settings.LINLI_AUDIT_RETENTION_DAYS = 190
    entry_days_ago(400, "test.ancient")
    entry_days_ago(200, "test.old")
    entry_days_ago(100, "test.recent")
    result = purge_audit_log()
    assert result.count == 2
    remaining = set(AuditLog.objects.values_list("action", flat=True))
    assert remaining == {"test.recent", "audit.purge"}
    purge = AuditLog.objects.get(action="audit.purge")
    assert "removed 2 entries" in purge.note
    assert purge.channel == "command"


@pytest.mark.django_db
def test_after_a_purge_the_trigger_refuses_deletes_again():
    entry_days_ago(400, "test.ancient")
    purge_audit_log()
    entry = make_entry()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM accounts_auditlog WHERE id = %s", [entry.pk])


@pytest.mark.django_db
def test_a_dry_run_counts_and_deletes_nothing():
    entry_days_ago(400, "test.ancient")
    result = purge_audit_log(dry_run=True)
    assert result.count == 1
    assert result.dry_run
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["test.ancient"]


@pytest.mark.django_db
def test_a_cut_off_inside_the_retention_period_is_refused(settings):
    settings.LINLI_AUDIT_RETENTION_DAYS = 190
    entry_days_ago(100, "test.recent")
    with pytest.raises(ServiceError, match="190"):
        purge_audit_log(before=timezone.now() - dt.timedelta(days=30))
    assert AuditLog.objects.count() == 1


@pytest.mark.django_db
def test_the_purge_command_reports_what_a_dry_run_would_delete(capsys):
    entry_days_ago(400, "test.ancient")
    entry_days_ago(300, "test.old")
    call_command("purge_audit", "--dry-run")
    assert "would delete 2 audit entries" in capsys.readouterr().out
    assert AuditLog.objects.count() == 2


@pytest.mark.django_db
def test_the_purge_command_refuses_a_date_inside_the_retention_period(settings):
    from django.core.management.base import CommandError

    settings.LINLI_AUDIT_RETENTION_DAYS = 190
    recent = timezone.localdate() - dt.timedelta(days=10)
    with pytest.raises(CommandError, match="190"):
        call_command("purge_audit", "--before", recent.isoformat())


def test_retention_is_at_least_six_months(settings):
    assert settings.LINLI_AUDIT_RETENTION_DAYS >= 183


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_log_and_leaves_the_trigger_in_force():
    make_entry()
    call_command("flush", interactive=False, verbosity=0)
    assert AuditLog.objects.count() == 0
    entry = make_entry()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM accounts_auditlog WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_the_migration_can_be_reversed_and_applied_again():
    installed = triggers()
    assert installed
    with connection.schema_editor() as editor:
        append_only.backward(None, editor)
    assert triggers() == []
    entry = make_entry()
    raw("UPDATE accounts_auditlog SET note = 'possible now' WHERE id = %s", [entry.pk])
    with connection.schema_editor() as editor:
        append_only.forward(None, editor)
    assert triggers() == installed
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE accounts_auditlog SET note = 'refused again' WHERE id = %s", [entry.pk])
