"""Repair what the input bounds (issue #9) now refuse, so that no page or ticket create fails on it:

* an escalation's `expected_feedback_at` outside 1970-01-01 .. 2100-12-31 UTC (9999-12-31T23:59:59-14:00
  lies after year 9999 in UTC: PostgreSQL keeps it and psycopg cannot read it back) becomes unknown;
* a target amount above the largest per unit (sla/models.py TARGET_MAX, frozen here) is lowered to
  it: 10^12 calendar minutes made the deadline maths overflow on every new ticket.

The UPDATEs compare in SQL and never read a bad value back.
"""

from datetime import UTC, datetime

from django.db import migrations
from django.db.models import Q

START = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(2101, 1, 1, tzinfo=UTC)
TARGET_MAX = {"calendar_minutes": 525_600, "business_minutes": 525_600, "working_days": 365}


def repair(apps, schema_editor):
    Escalation = apps.get_model("sla", "Escalation")
    SLATarget = apps.get_model("sla", "SLATarget")
    Escalation.objects.filter(Q(expected_feedback_at__lt=START) | Q(expected_feedback_at__gte=END)).update(
        expected_feedback_at=None)
    for unit, limit in TARGET_MAX.items():
        SLATarget.objects.filter(unit=unit, amount__gt=limit).update(amount=limit)


class Migration(migrations.Migration):

    dependencies = [
        ("sla", "0006_seed_presets"),
    ]

    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
    ]
