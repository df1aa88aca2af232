"""Repair `sent_at` values no page can show (issue #9, the same rule as tickets/0009): before the Date
header was bounded (channels/mime.py `_parse_date`), a mail dated `Fri, 31 Dec 9999 23:59:59 -1400` was
stored on PostgreSQL as an instant in year 10000, which psycopg then refuses to read back: the admin's
list of inbound emails, and every retry of that message, failed. (On SQLite such a message could not be
stored at all.) The date is only what the sender's machine claimed, so it is emptied. The range is the
inputs' default, frozen here: 1970-01-01 to 2100-12-31, UTC; the UPDATE compares in SQL and never reads
the bad value back.
"""

from datetime import UTC, datetime

from django.db import migrations
from django.db.models import Q

START = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(2101, 1, 1, tzinfo=UTC)


def repair(apps, schema_editor):
    InboundMessage = apps.get_model("channels", "InboundMessage")
    InboundMessage.objects.filter(Q(sent_at__lt=START) | Q(sent_at__gte=END)).update(sent_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
    ]
