from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data (`serviceloop demo`), kept apart from the product it fills."""

    name = "serviceloop.demo"
    label = "demo"
    verbose_name = _("Demo data")
