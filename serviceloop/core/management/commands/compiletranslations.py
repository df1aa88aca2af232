from django.core.management.base import BaseCommand

from serviceloop.core.translations import compile_translations


class Command(BaseCommand):
    help = "Compile the .po translation files to .mo (no GNU gettext needed)."

    def handle(self, *args, **options):
        for path in compile_translations():
            self.stdout.write(f"compiled {path}")
