"""`serviceloop check`: Django's system checks, then the working-calendar warning (issue #11.7).

The warning is not a registered system check, so it no longer lands on the stderr of every
management command; it is shown here, by `serviceloop run`, and as a banner in the workspace.
"""

from django.core.management.commands.check import Command as DjangoCheck

from serviceloop.sla.checks import next_year_calendar_known


class Command(DjangoCheck):
    help = DjangoCheck.help + " Also warns when next year's official holidays are not known yet."

    def handle(self, *app_labels, **options):
        super().handle(*app_labels, **options)
        if app_labels and "sla" not in app_labels:
            return
        for warning in next_year_calendar_known():
            self.stderr.write(self.style.WARNING(f"{warning.id}: {warning.msg}\n\tHINT: {warning.hint}"))
