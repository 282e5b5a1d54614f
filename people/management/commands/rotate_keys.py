"""Re-encrypt protected numbers with LINLI_DATA_KEY and re-index with LINLI_INDEX_KEY.

Procedure (docs/configuration.md, "Rotating the data and index keys"): put the old
data key into LINLI_DATA_KEYS_OLD, set a new LINLI_DATA_KEY (and, if wanted, a new
LINLI_INDEX_KEY), restart, run this command, then remove the old key.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from people.rotation import rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every phone and ID number with the current data key and rebuild the blind indexes."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size: int, **options):
        def progress(label, done):
            if options["verbosity"] > 1:
                self.stdout.write(f"  {label}: {done}")

        try:
            counts = rotate_all(batch_size=batch_size, progress=progress)
        except ValueError as exc:
            raise CommandError(
                f"{exc}. Put every key still in use into LINLI_DATA_KEYS_OLD and run again; "
                "rows already done are fine."
            ) from None
        audit.record(
            None,
            "keys.rotate",
            object_type="linli.keys",
            object_repr="rotate_keys",
            after=counts,
            channel=audit.Channel.COMMAND,
        )
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} re-encrypted and re-indexed")
        self.stdout.write(self.style.SUCCESS("Done. The old data key can now be removed."))
