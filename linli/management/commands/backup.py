"""``manage.py backup [--output FILE] [--encrypt]``: a consistent online backup."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from linli.lib.backup import BackupError, backup_database, vendor_of


class Command(BaseCommand):
    help = (
        "Back up the database while linli keeps running: SQLite through the online-backup "
        "API, PostgreSQL through pg_dump -Fc. --encrypt seals it with LINLI_BACKUP_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="File to write (default: var/backups/…).")
        parser.add_argument(
            "--encrypt", action="store_true", help="Encrypt with the key in LINLI_BACKUP_KEY."
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *, output, encrypt, database, **options):
        db = connections[database].settings_dict
        key = None
        if encrypt:
            key = settings.LINLI_BACKUP_KEY
            if not key:
                raise CommandError("--encrypt needs LINLI_BACKUP_KEY (python -m linli.lib.keys).")
        try:
            vendor = vendor_of(db)
            if output is None:
                stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
                suffix = ".sqlite3" if vendor == "sqlite" else ".pgdump"
                output = Path(settings.VAR_DIR) / "backups" / f"linli-{stamp}{suffix}"
                if encrypt:
                    output = output.with_name(output.name + ".enc")
            written = backup_database(db, output, key=key)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = written.stat().st_size
        sealed = "encrypted " if encrypt else ""
        self.stdout.write(f"Wrote {sealed}{vendor} backup {written} ({size:,} bytes).")
