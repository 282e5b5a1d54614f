"""Backups taken while linli writes, restored into a new database, compared row by row."""

import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from accounts import audit
from accounts.models import AuditLog
from linli import testing as t
from linli.lib import backup
from linli.lib.backup import BackupError
from linli.lib.keys import new_fernet_key

BASE = Path(__file__).resolve().parents[2]
AUDIT_ROWS = "SELECT id, action, note, object_type FROM accounts_auditlog ORDER BY id"


def query(db, sql):
    """Rows of ``sql`` read straight from the database ``db`` (not through Django)."""
    if backup.vendor_of(db) == "sqlite":
        conn = sqlite3.connect(db["NAME"])
        try:
            return [tuple(row) for row in conn.execute(sql)]
        finally:
            conn.close()
    with psycopg.connect(**backup._pg_params(db)) as conn:
        return [tuple(row) for row in conn.execute(sql)]


def admin_params():
    return {**backup._pg_params(connection.settings_dict), "dbname": "postgres"}


@pytest.fixture
def scratch_db(tmp_path):
    """A new, empty database of the same kind as the test database; dropped afterwards."""
    source = connection.settings_dict
    if connection.vendor == "sqlite":
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"linli_scratch_{secrets.token_hex(4)}"
    with psycopg.connect(**admin_params(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**source, "NAME": name}
    finally:
        with psycopg.connect(**admin_params(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Writer(threading.Thread):
    """Writes audit entries, one transaction each, until told to stop."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.written = 0
        self.error = None

    def run(self):
        from django.db import connection as own

        try:
            while not self.stop.is_set():
                audit.record(None, "test.during", object_type="x", note=f"during {self.written}")
                self.written += 1
        except Exception as exc:  # reported by the test, not lost in the thread
            self.error = exc
        finally:
            own.close()

    def wait_for(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while self.written < count and self.error is None:
            assert time.monotonic() < deadline, "the writer thread made no progress"
            time.sleep(0.01)


def some_places():
    community = t.make_community("葫芦岛社区")
    grid = t.make_grid(community)
    for n in range(5):
        t.make_household(t.make_building(t.make_compound(grid)), str(n))


PLACE_COUNTS = (
    "SELECT (SELECT COUNT(*) FROM places_community), (SELECT COUNT(*) FROM places_grid), "
    "(SELECT COUNT(*) FROM places_compound), (SELECT COUNT(*) FROM places_household)"
)


@pytest.mark.django_db(transaction=True)
def test_a_backup_made_while_entries_are_written_holds_everything_committed_before_it(
    tmp_path, scratch_db
):
    source = connection.settings_dict
    some_places()
    for n in range(50):
        audit.record(None, "test.before", object_type="x", note=f"before {n}")
    before = query(source, AUDIT_ROWS)
    writer = Writer()
    writer.start()
    try:
        writer.wait_for(20)
        written = backup.backup_database(source, tmp_path / "linli.backup")
        started_after = writer.written
        writer.wait_for(started_after + 20)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error

    backup.restore_database(scratch_db, written)

    restored = query(scratch_db, AUDIT_ROWS)
    assert restored[: len(before)] == before
    # A consistent snapshot: exactly the first N entries of the source, none torn.
    everything = query(source, AUDIT_ROWS)
    assert restored == everything[: len(restored)]
    assert len(before) + 20 <= len(restored) < len(everything)
    assert query(scratch_db, PLACE_COUNTS) == query(source, PLACE_COUNTS) == [(1, 1, 5, 5)]


@pytest.mark.django_db(transaction=True)
def test_the_restored_audit_log_is_still_append_only(tmp_path, scratch_db):
    audit.record(None, "test.before", object_type="x")
    backup.restore_database(
        scratch_db, backup.backup_database(connection.settings_dict, tmp_path / "b")
    )
    with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"):
        query(scratch_db, "DELETE FROM accounts_auditlog")


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_holds_data_unless_forced(tmp_path, scratch_db):
    audit.record(None, "test.first", object_type="x")
    first = backup.backup_database(connection.settings_dict, tmp_path / "first")
    backup.restore_database(scratch_db, first)
    audit.record(None, "test.second", object_type="x")
    second = backup.backup_database(connection.settings_dict, tmp_path / "second")

    with pytest.raises(BackupError) as refused:
        backup.restore_database(scratch_db, second)
    assert "not empty" in str(refused.value)
    assert "--force" in str(refused.value)
    assert "accounts_auditlog" in str(refused.value)
    assert [row[1] for row in query(scratch_db, AUDIT_ROWS)] == ["test.first"]

    backup.restore_database(scratch_db, second, force=True)
    assert [row[1] for row in query(scratch_db, AUDIT_ROWS)] == ["test.first", "test.second"]


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_restores_only_with_its_key(tmp_path, scratch_db):
    audit.record(None, "test.sealed", object_type="x", note="秘密")
    key = new_fernet_key()
    sealed = backup.backup_database(connection.settings_dict, tmp_path / "b.enc", key=key)
    data = sealed.read_bytes()
    assert data.startswith(backup.ENCRYPTED_MAGIC)
    assert "秘密".encode() not in data and b"test.sealed" not in data
    assert oct(sealed.stat().st_mode & 0o777) == "0o600"

    with pytest.raises(BackupError, match="LINLI_BACKUP_KEY"):
        backup.restore_database(scratch_db, sealed)
    with pytest.raises(BackupError, match="wrong LINLI_BACKUP_KEY"):
        backup.restore_database(scratch_db, sealed, key=new_fernet_key())
    assert backup.tables_with_rows(scratch_db) == []

    backup.restore_database(scratch_db, sealed, key=key)
    assert [row[2] for row in query(scratch_db, AUDIT_ROWS)] == ["秘密"]


@pytest.mark.django_db
def test_a_backup_of_the_other_database_kind_is_refused(tmp_path, scratch_db):
    other = tmp_path / "other"
    if connection.vendor == "sqlite":
        other.write_bytes(backup.PG_MAGIC + b"\x01\x0e\x00" + b"\x00" * 100)
        expected = "PostgreSQL backup"
    else:
        sqlite3.connect(other).execute("CREATE TABLE django_migrations (id integer)")
        expected = "SQLite backup"
    with pytest.raises(BackupError, match=expected):
        backup.restore_database(scratch_db, other)


def test_a_file_that_is_no_backup_is_refused(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "x.sqlite3")}
    with pytest.raises(BackupError, match="not a linli backup"):
        backup.restore_database(db, junk)


# --- encryption of large files, chunk by chunk ---------------------------------------


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "plain"
    path.write_bytes(os.urandom(backup.CHUNK * 2 + 12345))
    return path


def frames(path):
    """The encrypted file split into its header and length-prefixed frames."""
    data = path.read_bytes()
    header, rest = data[: len(backup.ENCRYPTED_MAGIC)], data[len(backup.ENCRYPTED_MAGIC) :]
    out = []
    while rest:
        length = int.from_bytes(rest[:4], "big")
        out.append(rest[: 4 + length])
        rest = rest[4 + length :]
    return header, out


def test_a_large_file_is_encrypted_in_chunks_and_comes_back_identical(tmp_path, big_file):
    key = new_fernet_key()
    backup.encrypt_file(big_file, tmp_path / "sealed", key)
    _, parts = frames(tmp_path / "sealed")
    assert len(parts) == 3
    backup.decrypt_file(tmp_path / "sealed", tmp_path / "back", key)
    assert (tmp_path / "back").read_bytes() == big_file.read_bytes()


def test_an_encrypted_file_cut_short_is_refused(tmp_path, big_file):
    key = new_fernet_key()
    backup.encrypt_file(big_file, tmp_path / "sealed", key)
    header, parts = frames(tmp_path / "sealed")
    (tmp_path / "short").write_bytes(header + b"".join(parts[:2]))
    with pytest.raises(BackupError, match="damaged or incomplete"):
        backup.decrypt_file(tmp_path / "short", tmp_path / "back", key)


def test_an_encrypted_file_with_chunks_swapped_is_refused(tmp_path, big_file):
    key = new_fernet_key()
    backup.encrypt_file(big_file, tmp_path / "sealed", key)
    header, parts = frames(tmp_path / "sealed")
    (tmp_path / "swapped").write_bytes(header + parts[1] + parts[0] + parts[2])
    with pytest.raises(BackupError, match="damaged or incomplete"):
        backup.decrypt_file(tmp_path / "swapped", tmp_path / "back", key)


def test_an_encrypted_file_with_a_changed_byte_is_refused(tmp_path, big_file):
    key = new_fernet_key()
    backup.encrypt_file(big_file, tmp_path / "sealed", key)
    data = bytearray((tmp_path / "sealed").read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / "changed").write_bytes(bytes(data))
    with pytest.raises(BackupError):
        backup.decrypt_file(tmp_path / "changed", tmp_path / "back", key)


def test_a_bad_backup_key_gets_a_clear_message(tmp_path, big_file):
    with pytest.raises(BackupError, match="not a valid key"):
        backup.encrypt_file(big_file, tmp_path / "sealed", "not-a-key")


# --- the commands -------------------------------------------------------------------------


def database_url(db):
    if backup.vendor_of(db) == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def manage(*args, env):
    return subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_the_backup_and_restore_commands_round_trip_an_encrypted_backup(
    tmp_path, scratch_db, settings, capsys
):
    key = new_fernet_key()
    settings.LINLI_BACKUP_KEY = key
    for n in range(3):
        audit.record(None, "test.command", object_type="x", note=str(n))
    output = tmp_path / "by-command.enc"
    call_command("backup", "--output", str(output), "--encrypt")
    assert "encrypted" in capsys.readouterr().out

    env = {"DATABASE_URL": database_url(scratch_db), "LINLI_BACKUP_KEY": key}
    done = manage("restore", str(output), env=env)
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout
    assert query(scratch_db, AUDIT_ROWS) == query(connection.settings_dict, AUDIT_ROWS)

    again = manage("restore", str(output), env=env)
    assert again.returncode != 0
    assert "is not empty" in again.stderr and "--force" in again.stderr


@pytest.mark.django_db
def test_backup_without_a_key_refuses_to_encrypt(settings):
    from django.core.management.base import CommandError

    settings.LINLI_BACKUP_KEY = ""
    with pytest.raises(CommandError, match="LINLI_BACKUP_KEY"):
        call_command("backup", "--encrypt")
    assert AuditLog.objects.count() == 0
