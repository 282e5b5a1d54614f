"""``manage.py restore FILE [--force]``: put a backup back into the database."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from linli.lib.backup import BackupError, restore_database


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup into the configured database. Stop the "
        "web and worker processes first. Refuses a database that holds data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup file.")
        parser.add_argument(
            "--force", action="store_true", help="Overwrite a database that holds data."
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *, file, force, database, **options):
        connection = connections[database]
        db = connection.settings_dict
        # Our own open connection must not hold the file or a transaction meanwhile.
        connection.close()
        try:
            restore_database(db, file, key=settings.LINLI_BACKUP_KEY or None, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Restored {file} into {db['NAME']}. If the backup is older than this version "
            "of linli, run manage.py migrate next."
        )
