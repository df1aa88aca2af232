"""`{% ticket_loop ticket %}`: the ticket page's surveys and follow-up tasks (CSAT-1, CSAT-2), read here so
the ticket view does not have to know about surveys. Staff: one query (the surveys with their follow-ups); a
customer: one query, and only while the ticket is resolved or closed (a survey is sent only then)."""

from __future__ import annotations

from django import template

from serviceloop.surveys import selectors, services
from serviceloop.web.survey_forms import FollowUpForm

register = template.Library()


@register.inclusion_tag("web/_loop.html", takes_context=True)
def ticket_loop(context, ticket):
    user = context["user"]
    if user.is_customer:
        pending = (services.pending_survey_for(user=user, ticket=ticket)
                   if ticket.status in services.SURVEYED_STATUSES else None)
        return {"customer": True, "ticket": ticket, "pending": pending}
    answered, follow_ups = selectors.ticket_loop(user=user, ticket=ticket)
    for task in follow_ups:
        task.can_complete = task.done_at is None and (
            task.assignee_id == user.pk or user.has_perm("surveys.complete_followuptask"))
    return {"customer": False, "ticket": ticket, "surveys": answered, "follow_ups": follow_ups,
            "form": FollowUpForm(), "csrf_token": context.get("csrf_token")}
