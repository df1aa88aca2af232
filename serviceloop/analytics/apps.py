from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "serviceloop.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from serviceloop.surveys import services as surveys
        from serviceloop.tickets import events

        from .receivers import survey_answered, survey_invitation, ticket_dims_event, ticket_event_recorded

        # INSTALLED_APPS lists analytics after sla and surveys: the SLA row is current when the fact is made.
        events.recorded.connect(ticket_event_recorded)
        events.recorded.connect(ticket_dims_event)
        surveys.invitation.connect(survey_invitation)
        surveys.answered.connect(survey_answered)
