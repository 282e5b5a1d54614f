from django.core.management.base import BaseCommand

from linli.demo import load_all


class Command(BaseCommand):
    help = "Load the demo community 葫芦岛社区 (临猗县). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2022)

    def handle(self, *args, seed: int, **options):
        self.stdout.write("Loading the demo community…")
        ctx = load_all(seed, stdout=self.stdout)
        if ctx is None:
            self.stdout.write("The demo community is already loaded; nothing to do.")
        else:
            self.stdout.write(self.style.SUCCESS("Demo community loaded."))
