"""Background jobs of tickets: the acknowledgement to the customer (INT-7)."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from huey.contrib.djhuey import db_task

from .models import Ticket


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


@db_task(retries=5, retry_delay=60)
def send_ticket_acknowledgement(ticket_id: int) -> None:
    """INT-7: tell the contact the ticket number, when to expect a response and a resolution, and how
    to follow up — in the contact's language. Retried by Huey if the mail server refuses."""
    ticket = Ticket.objects.select_related("contact__user", "sla").filter(pk=ticket_id).first()
    if ticket is None or ticket.contact is None or not ticket.contact.email:
        return
    contact = ticket.contact
    language = contact.user.language if contact.user_id else settings.LANGUAGE_CODE
    sla = getattr(ticket, "sla", None)
    with override(language):
        subject = _("[%(number)s] We have received your request") % {"number": ticket.number}
        body = _(
            "Dear %(name)s,\n\nYour request “%(title)s” has been registered as ticket %(number)s.\n"
            "We will respond by %(response)s and aim to resolve it by %(resolution)s.\n"
            "Quote this number when you contact us; you can follow it at %(url)s.\n"
        ) % {"name": contact.name, "title": ticket.title, "number": ticket.number,
             "response": _when(sla.first_response_due or sla.acknowledge_due) if sla else "—",
             "resolution": _when(sla.resolution_deadline) if sla else "—",
             "url": f"{settings.PUBLIC_URL}/tickets/{ticket.number}/"}
    send_mail(subject, body, None, [contact.email])
