"""Make an API key for one integration (a 12345 platform, a county system, an app).

    manage.py create_api_token --by admin --community 140821-hld --name "县12345平台" \\
        --role operator --scopes orders:read,orders:write --rate-limit 120

The key is printed once; only its hash is kept.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from accounts.models import Role, User
from linli.lib.errors import ServiceError
from open311.models import Scope
from open311.services import TOKEN_ROLES, create_api_token


class Command(BaseCommand):
    help = "Make an API key for an integration and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--by", required=True, help="The administrator making the key")
        parser.add_argument("--community", required=True, help="Community code")
        parser.add_argument("--name", required=True, help="Who the key is for")
        parser.add_argument("--role", default=Role.OPERATOR, choices=[str(r) for r in TOKEN_ROLES])
        parser.add_argument("--grid", type=int, help="Limit the key to this grid number")
        parser.add_argument("--compound", help="Limit the key to this compound (name)")
        parser.add_argument(
            "--scopes",
            default="orders:read,orders:write",
            help="Comma-separated: " + ", ".join(Scope.values),
        )
        parser.add_argument("--rate-limit", type=int, default=60, help="Requests per minute")

    def handle(self, *args, **options):
        from places.models import Community, Compound, Grid

        admin = User.objects.filter(username=options["by"], is_active=True).first()
        if admin is None:
            raise CommandError(f"No active account {options['by']!r}.")
        community = Community.objects.filter(code=options["community"]).first()
        if community is None:
            raise CommandError(f"No community with code {options['community']!r}.")
        grid = compound = None
        if options["grid"] is not None:
            grid = Grid.objects.filter(community=community, number=options["grid"]).first()
            if grid is None:
                raise CommandError(f"No grid {options['grid']} in {community}.")
        if options["compound"]:
            compound = Compound.objects.filter(
                grid__community=community, name=options["compound"]
            ).first()
            if compound is None:
                raise CommandError(f"No compound {options['compound']!r} in {community}.")
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            token, key = create_api_token(
                acting_user=admin,
                name=options["name"],
                community=community,
                scopes=scopes,
                role=options["role"],
                grid=grid,
                compound=compound,
                rate_limit_per_minute=options["rate_limit"],
                channel=audit.Channel.COMMAND,
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"API key for {token.name} (shown once, keep it safe):")
        self.stdout.write(key)
