"""Recompute every insights rollup from the work orders themselves."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Throw the insights rollups away and compute them again from every work order "
        "(after an import, a restore, or when --check finds a difference)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare the stored rollups with a recomputation; exit 1 on a difference.",
        )

    def handle(self, *args, check: bool, **options):
        from insights import rollups

        started = time.monotonic()
        if check:
            rollups.refresh_all()
            differences = rollups.differences()
            if differences:
                for line in differences[:20]:
                    self.stderr.write(line)
                raise SystemExit(1)
            self.stdout.write("The rollups equal a recomputation from the orders.")
            return
        result = rollups.rebuild()
        self.stdout.write(
            f"Rebuilt the rollups from {result['orders']} counted orders "
            f"({result['rows']} rows) in {time.monotonic() - started:.1f} s."
        )
