"""`serviceloop reindex`: rebuild the search index from the tickets (search/reindex.py), with progress."""

from django.core.management.base import BaseCommand, CommandError

from serviceloop.search.reindex import CHUNK, reindex


class Command(BaseCommand):
    help = "Rebuild the ticket search index (all tickets, or --missing: only those not indexed yet)."

    def add_arguments(self, parser):
        """--missing (only tickets above the highest indexed id) and --chunk N (tickets per transaction)."""
        parser.add_argument("--missing", action="store_true", help="index only tickets not indexed yet")
        parser.add_argument(
            "--chunk", type=int, default=CHUNK, help=f"tickets per transaction (default {CHUNK})"
        )

    def handle(self, *args, **options):
        """Run the reindex, printing a progress line every 50,000 tickets."""
        if not 1 <= options["chunk"] <= 20_000:
            raise CommandError("--chunk must be between 1 and 20000")

        def say(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        reindex(full=not options["missing"], chunk=options["chunk"], say=say)
