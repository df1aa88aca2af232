from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """How the service is doing (SPEC ANA-1..5, USR-7): exports of ticket lists, later the dashboard and
    periodic reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "serviceloop.reports"
    verbose_name = _("Reports")
