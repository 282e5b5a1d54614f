"""``manage.py purge_residents [--dry-run] [--years N] [--community CODE]``: the
retention purge of residents who left long ago (see ``people.retention``)."""

from __future__ import annotations

import argparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from linli.lib.errors import ServiceError
from people.retention import purge_residents
from places.models import Community


def _years(value: str) -> int:
    try:
        years = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of years.") from None
    if years < 1:
        raise argparse.ArgumentTypeError("the number of years must be at least 1.")
    return years


class Command(BaseCommand):
    help = (
        "Remove the personal data of residents whose every household membership ended "
        "more than LINLI_RESIDENT_RETENTION_YEARS ago (their orders, visits and "
        "check-ins stay, without their name and numbers). Prints counts, never names."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would go; change nothing."
        )
        parser.add_argument(
            "--years",
            type=_years,
            help="Keep records longer than the configured period for this run (never shorter).",
        )
        parser.add_argument(
            "--community",
            action="append",
            metavar="CODE",
            help="Only this community (by its code); may be given several times.",
        )

    def handle(self, *, dry_run, years, community, **options):
        community_ids = None
        if community:
            found = dict(Community.objects.filter(code__in=community).values_list("code", "pk"))
            unknown = sorted(set(community) - set(found))
            if unknown:
                raise CommandError(f"No community with the code {', '.join(unknown)}.")
            community_ids = list(found.values())
        try:
            result = purge_residents(years=years, community_ids=community_ids, dry_run=dry_run)
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(
            f"{verb} the personal data of {result.residents} residents who left before "
            f"{result.cutoff.isoformat()} (retention {result.years} years; "
            f"configured {settings.LINLI_RESIDENT_RETENTION_YEARS})"
        )
        for code, count in sorted(result.by_community.items()):
            self.stdout.write(f"  community {code}: {count}")
        self.stdout.write(
            f"  phones {result.phones}, emergency contacts {result.emergency_contacts}, "
            f"order contacts {result.order_contacts}, calls {result.calls}, "
            f"care plans ended {result.care_plans}"
        )
        if dry_run:
            self.stdout.write("dry run: nothing was changed")
