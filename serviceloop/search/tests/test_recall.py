"""Recall against LIKE '%…%': every ticket holding a Chinese query as a substring is found, and no other."""

from __future__ import annotations

import random

import pytest
from django.db.models import Q

from serviceloop.search import engine
from serviceloop.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# A small alphabet, so that random texts share many characters and pairs without sharing substrings.
ALPHABET = "电源模块故障无法开机风扇异响主板硬盘告警网络中断"


def _like(query: str) -> set[str]:
    fields = (
        "title",
        "description",
        "objective_description",
        "error_code",
        "reproduction_steps",
        "environment",
        "business_impact",
        "tried_steps",
    )
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__contains": query})
    condition |= Q(events__body__contains=query, events__is_public=True, events__kind__in=engine.REPLY_KINDS)
    return set(Ticket.objects.filter(condition).values_list("number", flat=True))


def test_every_chinese_query_finds_exactly_the_tickets_like_finds(world):
    from serviceloop.tickets import services

    rng = random.Random(14)

    def words(n):
        return "".join(rng.choice(ALPHABET) for _ in range(n))

    tickets = []
    for _ in range(40):
        ticket = world.ticket(title=words(rng.randint(2, 8)), description=words(rng.randint(5, 40)),
                              details={"tried_steps": words(rng.randint(0, 10))})
        if rng.random() < 0.4:
            services.ticket_add_reply(ticket=ticket, actor=world.alice, body=words(rng.randint(3, 20)))
        tickets.append(ticket)
    queries = {words(n) for n in (1, 1, 2, 2, 2, 3, 3, 4, 4, 5) for _ in range(20)}
    checked = 0
    for q in sorted(queries):
        expected = _like(q)
        found = {h.ticket.number for h in engine.query(world.sam, q, limit=100).hits}
        assert found == expected, q
        checked += bool(expected)
    assert checked > 50  # the sample is not all misses
