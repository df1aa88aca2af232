from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "serviceloop.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from serviceloop.sla.alerts import alerted
        from serviceloop.surveys.services import invitation
        from serviceloop.tickets import events

        from .receivers import sla_alert, survey_invitation, ticket_event_recorded

        # Who hears of what is decided here, from what the apps below announce (core/hooks.py).
        # INSTALLED_APPS lists sla before notifications, so the SLA clock has already reacted to an event
        # when the rules read it.
        events.recorded.connect(ticket_event_recorded)
        alerted.connect(sla_alert)
        invitation.connect(survey_invitation)  # the satisfaction survey's link (CSAT-1)

