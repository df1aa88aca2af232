from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "serviceloop.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self):
        from serviceloop.customers.services import organization_renamed
        from serviceloop.tickets import events
        from serviceloop.tickets import services as tickets

        from .receivers import organization_saved, ticket_creating, ticket_event_recorded

        # Indexed in the announcing service's transaction (core/hooks.py): findable the moment it commits.
        tickets.creating.connect(ticket_creating)
        events.recorded.connect(ticket_event_recorded)
        organization_renamed.connect(organization_saved)
