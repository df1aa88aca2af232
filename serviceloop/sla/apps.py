from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "serviceloop.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self):
        from . import checks  # noqa: F401 - registers the missing-calendar-year check
