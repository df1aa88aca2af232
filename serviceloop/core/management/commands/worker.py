"""`serviceloop worker`: the background-job consumer (SLA sweep every minute, emails, retries).

With REDIS_URL set it consumes the shared Redis queue and any number may run; without it, the
embedded SQLite queue in the data directory (started for you by `serviceloop run`).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from serviceloop.core.parent import die_with_parent


class Command(BaseCommand):
    help = "Run the background-job consumer (Huey)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers", type=int, default=None, help="worker threads (default WORKER_THREADS or 2)"
        )

    def handle(self, *args, **options):
        die_with_parent()  # started by `serviceloop run`: never outlive it, even after kill -9
        extra = {"workers": options["workers"]} if options["workers"] else {}
        call_command("run_huey", **extra)
