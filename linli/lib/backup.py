"""Consistent online backups of the database, optionally encrypted, and restores.

SQLite: the sqlite3 online-backup API copies the whole database in one step, inside
one read transaction, so the copy is a consistent snapshot even while the web and
worker processes keep writing (WAL lets them). PostgreSQL: ``pg_dump -Fc`` (its own
snapshot); restore with ``pg_restore --clean --if-exists``.

Encryption (LINLI_BACKUP_KEY, a Fernet key) works on chunks of 1 MiB so a large
backup never has to fit in memory. Each chunk carries its position and whether it
is the last, so a file that was cut short, reordered or spliced does not restore.

The file formats are recognised by their first bytes; a restore refuses a backup of
the other database kind, and refuses to overwrite a database that holds data unless
told to (``force``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess  # noqa: S404 — pg_dump/pg_restore with fixed arguments
import tempfile
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

ENCRYPTED_MAGIC = b"LINLI-BACKUP-FERNET-1\n"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
CHUNK = 1024 * 1024
_FRAME = struct.Struct(">I")  # length of the Fernet token that follows
_HEAD = struct.Struct(">QB")  # chunk number, 1 if last

# Tables that a database has before anyone has used it (Django's own bookkeeping).
BOOKKEEPING_TABLES = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "accounts_auditlog_unlock",
        "sqlite_sequence",
    }
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


# --- encryption -------------------------------------------------------------------


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError):
        raise BackupError(
            "LINLI_BACKUP_KEY is not a valid key (32 url-safe base64-encoded bytes); "
            "make one with: python -m linli.lib.keys"
        ) from None


def encrypt_file(source: Path, target: Path, key: str) -> None:
    fernet = _fernet(key)
    with open(source, "rb") as plain, _private_file(target) as out:
        out.write(ENCRYPTED_MAGIC)
        index = 0
        chunk = plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)
            last = not following
            token = fernet.encrypt(_HEAD.pack(index, int(last)) + chunk)
            out.write(_FRAME.pack(len(token)) + token)
            if last:
                break
            chunk, index = following, index + 1


def decrypt_file(source: Path, target: Path, key: str) -> None:
    fernet = _fernet(key)
    damaged = BackupError("The encrypted backup is damaged or incomplete.")
    with open(source, "rb") as sealed, _private_file(target) as out:
        if sealed.read(len(ENCRYPTED_MAGIC)) != ENCRYPTED_MAGIC:
            raise BackupError("This file is not an encrypted linli backup.")
        expected = 0
        while True:
            frame = sealed.read(_FRAME.size)
            if len(frame) != _FRAME.size:
                raise damaged
            (length,) = _FRAME.unpack(frame)
            token = sealed.read(length)
            if len(token) != length:
                raise damaged
            try:
                plain = fernet.decrypt(token)
            except InvalidToken:
                raise BackupError(
                    "The backup cannot be decrypted: wrong LINLI_BACKUP_KEY, or the file "
                    "was changed."
                ) from None
            index, last = _HEAD.unpack_from(plain)
            if index != expected:
                raise damaged
            out.write(plain[_HEAD.size :])
            if last:
                if sealed.read(1):
                    raise damaged
                return
            expected += 1


@contextmanager
def _private_file(path: Path):
    """Open ``path`` for writing, readable by the owner only (backups hold personal data)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def kind_of(path: Path) -> str:
    """'encrypted', 'sqlite' or 'postgresql', from the file's first bytes."""
    with open(path, "rb") as handle:
        head = handle.read(len(ENCRYPTED_MAGIC))
    if head.startswith(ENCRYPTED_MAGIC):
        return "encrypted"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a linli backup (neither SQLite, pg_dump nor encrypted).")


# --- backup -----------------------------------------------------------------------


def vendor_of(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def backup_database(db: dict, output: Path, *, key: str | None = None) -> Path:
    """Write a consistent backup of the database ``db`` (a DATABASES entry) to ``output``."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    vendor = vendor_of(db)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".linli-backup-") as work:
        plain = Path(work) / "plain"
        if vendor == "sqlite":
            _sqlite_backup(Path(db["NAME"]), plain)
        else:
            _pg_run(["pg_dump", "--format=custom", "--file", str(plain)], db)
        if key:
            encrypt_file(plain, output, key)
        else:
            os.chmod(plain, 0o600)
            shutil.move(plain, output)
    return output


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"The database file {source} does not exist.")
    src = sqlite3.connect(source, timeout=20)
    dst = sqlite3.connect(target)
    try:
        # pages=-1 (all at once): one read transaction, so one consistent snapshot;
        # WAL lets writers go on meanwhile.
        src.backup(dst, pages=-1)
        # A self-contained file: no -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(dst, target)
    finally:
        dst.close()
        src.close()


def _check_sqlite(conn: sqlite3.Connection, label) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{label} failed SQLite's integrity check: {result}")


# --- restore ----------------------------------------------------------------------


def tables_with_rows(db: dict) -> list[str]:
    """Tables of ``db`` that hold rows, Django's bookkeeping aside (empty: safe to restore)."""
    if vendor_of(db) == "sqlite":
        path = Path(db["NAME"])
        if not path.exists() or path.stat().st_size == 0:
            return []
        conn = sqlite3.connect(path, timeout=20)
        try:
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return [
                name
                for name in names
                if name not in BOOKKEEPING_TABLES
                and conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0]  # noqa: S608 — names from sqlite_master
            ]
        finally:
            conn.close()
    import psycopg
    from psycopg import sql

    with psycopg.connect(**_pg_params(db)) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        found = []
        for name in names:
            if name in BOOKKEEPING_TABLES:
                continue
            query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(name))
            if conn.execute(query).fetchone()[0]:
                found.append(name)
        return found


def restore_database(db: dict, source: Path, *, key: str | None = None, force: bool = False):
    """Put the backup ``source`` back into the database ``db``.

    Refuses a database that holds data unless ``force``; the message names the tables.
    """
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} does not exist.")
    vendor = vendor_of(db)
    with tempfile.TemporaryDirectory(prefix=".linli-restore-") as work:
        plain = source
        if kind_of(source) == "encrypted":
            if not key:
                raise BackupError("This backup is encrypted: set LINLI_BACKUP_KEY to its key.")
            plain = Path(work) / "plain"
            decrypt_file(source, plain, key)
        kind = kind_of(plain)
        if kind != vendor:
            raise BackupError(
                f"This is a {_label(kind)} backup, but the database to restore into is "
                f"{_label(vendor)}."
            )
        if not force:
            busy = tables_with_rows(db)
            if busy:
                shown = ", ".join(busy[:5]) + (" …" if len(busy) > 5 else "")
                raise BackupError(
                    f"The database {db['NAME']} is not empty ({len(busy)} tables hold rows: "
                    f"{shown}). Restoring would replace everything in it. Restore into a new, "
                    "empty database, or run again with --force to overwrite it."
                )
        if vendor == "sqlite":
            _sqlite_restore(plain, Path(db["NAME"]))
        else:
            _pg_run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    str(plain),
                ],
                db,
            )


def _label(kind: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)


def _sqlite_restore(backup: Path, target: Path) -> None:
    src = sqlite3.connect(backup)
    try:
        _check_sqlite(src, backup)
        has_migrations = src.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
        if not has_migrations:
            raise BackupError(f"{backup} is a SQLite database but not a linli backup.")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=20)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=WAL")
            _check_sqlite(dst, target)
        finally:
            dst.close()
    finally:
        src.close()


# --- PostgreSQL client tools ------------------------------------------------------


def _pg_params(db: dict) -> dict:
    params = {"dbname": db["NAME"]}
    for ours, theirs in (("HOST", "host"), ("PORT", "port"), ("USER", "user")):
        if db.get(ours):
            params[theirs] = str(db[ours])
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    return params


def _pg_run(args: list[str], db: dict) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(
            f"{args[0]} is not installed (Debian: apt-get install postgresql-client)."
        )
    env = {**os.environ}
    for ours, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(ours):
            env[var] = str(db[ours])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]  # the environment, never the command line
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    result = subprocess.run(  # noqa: S603 — fixed tool, arguments built here
        [tool, *args[1:], "--dbname", db["NAME"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()}")
