from django.core.management.base import BaseCommand

from accounts.demo import DEMO_ACCOUNTS
from linli.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo accounts and their password."

    def handle(self, *args, **options):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<12} {account.display_name} — {account.note}")
        self.stdout.write("")
