"""`serviceloop fetchmail [--mailbox NAME] [--seconds N]`: fetch every active mailbox now, until it is
empty (the worker does the same every minute); prints what it did."""

from django.core.management.base import BaseCommand, CommandError

from serviceloop.channels import services
from serviceloop.channels.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new mail from the active mailboxes now (the worker does it every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="only this mailbox (its name)")
        parser.add_argument(
            "--seconds", type=float, default=3600.0, help="stop after this long (default 3600)"
        )

    def handle(self, *args, mailbox=None, seconds=3600.0, **options):
        boxes = Mailbox.objects.filter(is_active=True).order_by("id")
        if mailbox:
            boxes = boxes.filter(name=mailbox)
            if not boxes.exists():
                raise CommandError(f"no active mailbox named {mailbox!r}")
        for box in boxes:
            fetched = processed = failed = 0
            for result in services.mailbox_fetch_until_empty(mailbox=box, time_budget=seconds):
                fetched, processed, failed = (fetched + result.fetched, processed + result.processed,
                                              failed + result.failed)
                if result.error:
                    self.stderr.write(f"{box.name}: {result.error}")
                if result.skipped:
                    self.stderr.write(f"{box.name}: being fetched by another worker; skipped")
            self.stdout.write(f"{box.name}: {fetched} fetched, {processed} processed, {failed} failed")
