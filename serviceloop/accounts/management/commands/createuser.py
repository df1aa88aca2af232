from django.core.management.base import BaseCommand, CommandError

from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import user_create
from serviceloop.core.errors import ServiceError
from serviceloop.customers.models import Organization


class Command(BaseCommand):
    help = "Create a user with one role; customers need --organization (name or id)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--organization", help="organisation name or id (customer role only)")
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help="display name")

    def handle(self, *args, **options):
        org = None
        if options["organization"]:
            ref = options["organization"]
            qs = (
                Organization.objects.filter(pk=int(ref))
                if ref.isdigit()
                else Organization.objects.filter(name=ref)
            )
            org = qs.first()
            if org is None:
                raise CommandError(f"organisation not found: {ref}")
        try:
            user = user_create(
                username=options["username"],
                password=options["password"],
                role=options["role"],
                organization=org,
                email=options["email"],
                display_name=options["name"],
            )
        except ServiceError as exc:
            detail = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors) or exc.message
            raise CommandError(detail) from exc
        self.stdout.write(self.style.SUCCESS(f"created user {user.username} ({options['role']})"))
