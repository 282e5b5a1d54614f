"""manage.py create_telephony_key NAME --community CODE

Register a phone system (Asterisk, FreeSWITCH, a carrier's CTI) for one community and
print its API key once. Only a hash is stored: a lost key is replaced, never recovered.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from hotline import telephony
from linli.lib.errors import ServiceError
from places.models import Community


class Command(BaseCommand):
    help = "Create an API key for a phone system to post call events (printed once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the phone system is, e.g. 'Asterisk office'")
        parser.add_argument("--community", required=True, help="The community's code")

    def handle(self, *args, name, community, **options):
        found = Community.objects.filter(code=community).first()
        if found is None:
            raise CommandError(f"No community with the code {community!r}.")
        try:
            integration, key = telephony.create_integration(
                acting_user=None, community=found, name=name, channel=audit.Channel.COMMAND
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Phone system {integration.name!r} for {found.name} ({found.code}).")
        self.stdout.write("API key (shown once; only its hash is kept):")
        self.stdout.write(key)
        self.stdout.write("Send it as the header  X-Api-Key: <key>  (see docs/telephony.md).")
