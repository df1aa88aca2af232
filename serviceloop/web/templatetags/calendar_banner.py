"""The unknown-year banner of the workspace (issue #11.7): from 1 November, administrators who may
enter calendar days see that next year's official holidays are not known yet, with the link to paste
the State Council notice. `{% calendar_banner %}` in web/base.html; no query for anyone else."""

from django import template
from django.urls import reverse

from serviceloop.sla.checks import calendars_missing_next_year_cached

register = template.Library()


@register.inclusion_tag("web/_calendar_banner.html", takes_context=True)
def calendar_banner(context) -> dict:
    user = getattr(context.get("request"), "user", None)
    if (
        user is None
        or not user.is_authenticated
        or user.is_customer
        or not user.has_perm("sla.add_calendarday")
    ):
        return {"missing": []}
    year, missing = calendars_missing_next_year_cached()
    links = [(name, reverse("admin:sla_businesscalendar_notice", args=[pk]) if pk else
              reverse("admin:sla_businesscalendar_changelist")) for pk, name in missing]
    return {"year": year, "missing": links}
