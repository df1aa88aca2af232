"""`serviceloop calendar import YEAR`: copy the official holidays and makeup days of a year into a calendar."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from serviceloop.sla.calendar import official_days
from serviceloop.sla.models import BusinessCalendar, DaySource
from serviceloop.sla.services.calendars import calendar_day_set, default_calendar


class Command(BaseCommand):
    help = "Calendar tools. `import YEAR` copies a year the chinesecalendar package knows into the day table."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import"])
        parser.add_argument("year", type=int)
        parser.add_argument("--calendar", help="calendar name (default: the default calendar)")

    def handle(self, *args, **options):
        year = options["year"]
        if options["calendar"]:
            cal = BusinessCalendar.objects.filter(name=options["calendar"]).first()
            if cal is None:
                raise CommandError(f"no calendar named {options['calendar']}")
        else:
            cal = default_calendar()
        try:
            days = official_days(year)
        except ValueError as exc:
            raise CommandError(f"{exc} — enter {year}'s days in the admin (SLA → calendar days) instead.") from exc
        with transaction.atomic():
            for day, is_working, name in days:
                calendar_day_set(calendar=cal, day=day, is_working=is_working, name=name,
                                          source=DaySource.OFFICIAL)
        self.stdout.write(self.style.SUCCESS(f"{len(days)} days of {year} copied into “{cal.name}”"))
