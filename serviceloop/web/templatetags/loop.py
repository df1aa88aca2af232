"""`{% ticket_loop ticket %}`: the ticket page's surveys and follow-up tasks (CSAT-1, CSAT-2), read here so the
ticket view does not have to know about surveys. Two queries (surveys, follow-ups) per page."""

from __future__ import annotations

from django import template

from serviceloop.surveys import selectors, services
from serviceloop.web.survey_forms import FollowUpForm

register = template.Library()


@register.inclusion_tag("web/_loop.html", takes_context=True)
def ticket_loop(context, ticket):
    user = context["user"]
    if user.is_customer:
        return {"customer": True, "ticket": ticket, "pending": services.pending_survey_for(user=user, ticket=ticket)}
    follow_ups = selectors.ticket_follow_ups(user=user, ticket=ticket)
    for task in follow_ups:
        task.can_complete = task.done_at is None and (
            task.assignee_id == user.pk or user.has_perm("surveys.complete_followuptask"))
    return {"customer": False, "ticket": ticket, "surveys": [s for s in selectors.ticket_surveys(user=user, ticket=ticket)
                                                             if s.answered_at], "follow_ups": follow_ups,
            "form": FollowUpForm(), "csrf_token": context.get("csrf_token")}
