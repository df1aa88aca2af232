"""Repair times that no page can show (issue #9): before the input bounds (core/bounds.py), a client
could store `occurred_at` = 0001-01-01T00:00:00+14:00, an instant before year 1 in UTC. PostgreSQL
keeps it, psycopg then refuses to read the row (every list holding it answered 500), and a
communication logged "in year 1" broke the ticket page on both databases when it was shown.

Such values are nonsense, so they are emptied rather than guessed at: a ticket's `occurred_at`
becomes unknown (NULL) and a communication's time is dropped from its event (the page shows —).
The range is the inputs' default, frozen here: 1970-01-01 to 2100-12-31, UTC. The UPDATE compares in
SQL and never reads the bad value back, so it works where a read fails.
"""

from datetime import UTC, datetime

from django.db import migrations
from django.db.models import Q

START = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(2101, 1, 1, tzinfo=UTC)


def _outside(value: str | None) -> bool:
    if not isinstance(value, str):
        return False
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return not START <= moment < END
    except (ValueError, OverflowError):
        return True


def repair(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    Ticket.objects.filter(Q(occurred_at__lt=START) | Q(occurred_at__gte=END)).update(occurred_at=None)
    # Only the time string is read (a JSON value, never converted by the driver), in batches.
    rows = TicketEvent.objects.filter(kind="communication").values_list("pk", "data__happened_at")
    bad = [pk for pk, happened_at in rows.iterator(chunk_size=5000) if _outside(happened_at)]
    for event in TicketEvent.objects.filter(pk__in=bad).only("pk", "data"):
        event.data = {**event.data, "happened_at": None}
        event.save(update_fields=["data"])


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0008_sub_status_repaired"),
    ]

    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
    ]
