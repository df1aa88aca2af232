"""Fill the dashboard's stored counts (TicketDims, DimensionDay) for tickets written past the services."""

import time

from django.core.management.base import BaseCommand

from serviceloop.analytics.dims import dims_backfill


class Command(BaseCommand):
    help = "Compute the dashboard's per-ticket dimensions and their daily roll-up from the tickets."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, batch, **options):
        started = time.perf_counter()
        done = dims_backfill(batch=batch)
        self.stdout.write(f"{done} tickets counted in {time.perf_counter() - started:.1f} s")
