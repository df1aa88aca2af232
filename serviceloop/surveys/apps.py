from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "serviceloop.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self):
        from serviceloop.tickets import events

        from .receivers import ticket_event_recorded

        # A ticket that becomes resolved gets its cycle's survey scheduled (CSAT-1), in the same transaction.
        events.recorded.connect(ticket_event_recorded)
