"""`serviceloop kpi_backfill`: KPI facts for every resolved ticket (after an upgrade, or a bulk load)."""

from django.core.management.base import BaseCommand

from serviceloop.analytics.facts import facts_backfill


class Command(BaseCommand):
    help = "Compute the stored KPI facts of every resolved ticket (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="tickets per round of queries")

    def handle(self, *args, batch: int, **options):
        done = facts_backfill(batch=max(1, min(batch, 50_000)))
        self.stdout.write(f"{done} ticket facts written")
