from django.core.management.base import BaseCommand, CommandError

from serviceloop.accounts.models import User
from serviceloop.accounts.services import token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (it is stored hashed and never shown again)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {options['username']}")
        _token, raw = token_create(user=user, name=options["name"])
        self.stdout.write(raw)
