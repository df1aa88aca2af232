"""`serviceloop demo`: load realistic Chinese demo data (see serviceloop/demo/loader.py)."""

from django.core.management.base import BaseCommand, CommandError

from serviceloop.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load demo data: support groups, staff, customers and products once, then N more tickets."

    def add_arguments(self, parser):
        """--tickets N (how many tickets to add) and --seed S (same seed, same tickets)."""
        parser.add_argument("--tickets", type=int, default=300, help="tickets to add (default 300)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")

    def handle(self, *args, **options):
        """Run the loader, streaming its progress lines to stdout as they come."""
        if options["tickets"] < 0:
            raise CommandError("--tickets must be zero or more")

        def say(line: str) -> None:
            """Write one line and flush, so progress shows while a long load runs."""
            self.stdout.write(line)
            self.stdout.flush()

        load_demo(tickets=options["tickets"], seed=options["seed"], out=say)
