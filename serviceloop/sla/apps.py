from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "serviceloop.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self):
        from serviceloop.customers.services import terms_changed
        from serviceloop.tickets import events
        from serviceloop.tickets import services as tickets

        from .receivers import organization_terms_changed, ticket_creating, ticket_event_recorded

        # The apps below announce their changes; the SLA app reacts in the same transaction (core/hooks.py).
        tickets.creating.connect(ticket_creating)
        events.recorded.connect(ticket_event_recorded)
        terms_changed.connect(organization_terms_changed)
