"""The default business calendar and the four SLA presets (SLA-2), in every new database.

They used to be installed by the first GET /api/v1/sla/policies (a write on a read, issue #10) or by the
first ticket. Written with the historical models, as policy_install_presets (sla/services/policies.py)
would: the default calendar (09:00–12:00, 13:00–18:00, Asia/Shanghai), then each preset as a policy
with its version 1; seed 001's is the default. A database that has them already keeps what it has.
"""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db import migrations
from django.utils import translation

# The presets' targets are read from sla/presets.py, the one place that states them: a database
# created later gets the presets as they then stand, as policy_install_presets would give it.
from serviceloop.sla.presets import DEFAULT_PAUSE_STATUSES, DEFAULT_PRESET, PRESETS

CALENDAR_NAME = "中国大陆工作日历"
WINDOWS = [(time(9), time(12)), (time(13), time(18))]


def install(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    BusinessHours = apps.get_model("sla", "BusinessHours")
    SLAPolicy = apps.get_model("sla", "SLAPolicy")
    SLAPolicyVersion = apps.get_model("sla", "SLAPolicyVersion")
    SLATarget = apps.get_model("sla", "SLATarget")

    calendar = BusinessCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        calendar, _created = BusinessCalendar.objects.get_or_create(
            name=CALENDAR_NAME, defaults={"is_default": True, "timezone": "Asia/Shanghai"})
    if not BusinessHours.objects.filter(calendar=calendar).exists():
        BusinessHours.objects.bulk_create([BusinessHours(calendar=calendar, start=s, end=e)
                                           for s, e in WINDOWS])

    # In the installation's language, as the service writes it in the language active when it runs.
    with translation.override(settings.LANGUAGE_CODE):
        reason = translation.gettext("Preset from the source documents")
    for code, preset in PRESETS.items():
        policy, created = SLAPolicy.objects.get_or_create(
            name=preset["name"], defaults={"description": preset["description"],
                                           "is_default": code == DEFAULT_PRESET and
                                           not SLAPolicy.objects.filter(is_default=True).exists()})
        if not created:
            continue
        version = SLAPolicyVersion.objects.create(
            policy=policy, number=1, calendar=calendar, pause_statuses=list(DEFAULT_PAUSE_STATUSES),
            at_risk_ratio=Decimal("0.80"), created_by=None, reason=reason)
        SLATarget.objects.bulk_create([
            SLATarget(version=version, priority=str(priority), tier="", contract_level="", metric=str(metric),
                      amount=amount, unit=str(unit))
            for priority, metrics in preset["targets"].items() for metric, (amount, unit) in metrics.items()])


class Migration(migrations.Migration):

    dependencies = [
        ("sla", "0005_breached_partial_index"),
    ]

    # Reversing leaves the rows: tickets may run under these policies by then.
    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
