"""`serviceloop calendar import YEAR` copies a year the chinesecalendar package knows into the day table;
`serviceloop calendar notice FILE` reads the State Council's holiday notice (issue #11), shows what it
found per festival and saves it once confirmed (--yes, or answering y). Either way the year becomes known.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from serviceloop.core.errors import ServiceError
from serviceloop.sla.models import BusinessCalendar
from serviceloop.sla.services.calendars import (
    calendar_import_year,
    calendar_notice_confirm,
    calendar_notice_read,
    default_calendar,
)


class Command(BaseCommand):
    help = (
        "Calendar tools. `import YEAR` copies a year the chinesecalendar package knows into the day table; "
        "`notice FILE` reads the State Council's 部分节假日安排的通知 (preview, then save with --yes)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="copy a year the chinesecalendar package knows")
        imp.add_argument("year", type=int)
        imp.add_argument("--calendar", help="calendar id or name (default: the default calendar)")
        notice = sub.add_parser(
            "notice", help="read the State Council notice from a UTF-8 text file ('-': stdin)"
        )
        notice.add_argument("file")
        notice.add_argument("--calendar", help="calendar id or name (default: the default calendar)")
        notice.add_argument(
            "--year", type=int, help="the year it must be for (default: the year in its title)"
        )
        notice.add_argument("--yes", action="store_true", help="save without asking")

    def handle(self, *args, **options):
        cal = self._calendar(options.get("calendar"))
        try:
            if options["action"] == "import":
                count = calendar_import_year(calendar=cal, year=options["year"])
                self.stdout.write(
                    self.style.SUCCESS(f"{count} days of {options['year']} copied into “{cal.name}”")
                )
                return
            self._notice(cal, options)
        except ServiceError as exc:
            hint = ""
            if options["action"] == "import":
                hint = (" — paste the State Council notice instead: `serviceloop calendar notice FILE`"
                        " or the admin (SLA → business calendars → read the notice).")
            raise CommandError(f"{exc.message}{hint}") from exc

    def _notice(self, cal: BusinessCalendar, options) -> None:
        path = options["file"]
        try:
            text = (self.stdin_text() if path == "-" else Path(path).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        schedule = calendar_notice_read(text=text, year=options.get("year"))
        self.stdout.write(f"{schedule.year} — “{cal.name}”")
        for festival in schedule.festivals:
            off = ", ".join(f"{d:%m-%d}" for d in festival.days_off)
            work = (
                ", ".join(f"{d:%m-%d}({'一二三四五六日'[d.weekday()]})" for d in festival.makeup_days) or "—"
            )
            self.stdout.write(
                f"  {festival.name}: {len(festival.days_off)} days off {off}; makeup working days {work}"
            )
        if not options["yes"]:
            answer = input("Save these days as the official days of this year? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                self.stdout.write("Nothing saved.")
                return
        calendar_notice_confirm(calendar=cal, text=text, year=schedule.year, actor=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(schedule.days())} days of {schedule.year} saved into “{cal.name}”; "
                f"{schedule.year} is known; "
                f"open tickets are recomputed in the background"
            )
        )

    @staticmethod
    def stdin_text() -> str:
        import sys

        return sys.stdin.read()

    @staticmethod
    def _calendar(ref: str | None) -> BusinessCalendar:
        if not ref:
            return default_calendar()
        cal = BusinessCalendar.objects.filter(
            **({"pk": int(ref)} if ref.isdigit() else {"name": ref})
        ).first()
        if cal is None:
            raise CommandError(f"no calendar {ref}")
        return cal
