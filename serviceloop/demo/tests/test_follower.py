"""demo/follower.py: a big load's search index, built by a second process while the writer writes."""

from __future__ import annotations

import pytest
from django.db import connection

from serviceloop.demo import follower
from serviceloop.demo.loader import load_demo
from serviceloop.search.models import SearchDoc
from serviceloop.sla.models import Escalation
from serviceloop.tickets.models import Ticket

# The follower needs committed rows and a database a second process can open: SQLite's test
# database lives in the test process's memory, so this runs on PostgreSQL.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="a forked process cannot open SQLite's in-memory test database"),
]


def test_a_followed_load_indexes_every_ticket_and_keeps_the_gin_index(monkeypatch):
    monkeypatch.setattr(follower, "FOLLOW_FROM", 100)
    monkeypatch.setattr(follower, "CHUNK", 20)  # small chunks: the writer takes its share of the rest too
    summary = load_demo(tickets=300, out=lambda _line: None)

    assert summary.tickets == 300
    indexed = set(SearchDoc.objects.values_list("ticket_id", flat=True))
    assert indexed == set(Ticket.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_searchdoc WHERE tokens IS NULL")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'search_searchdoc_tokens'")
        assert cursor.fetchone() is not None


def test_ids_reserved_before_generation_are_never_handed_out_again(monkeypatch):
    monkeypatch.setattr(follower, "FOLLOW_FROM", 100)
    load_demo(tickets=150, out=lambda _line: None)
    top = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    load_demo(tickets=150, out=lambda _line: None)

    assert Ticket.objects.count() == 300
    assert Ticket.objects.filter(pk__gt=top).count() == 150
    assert Escalation.objects.values("pk").distinct().count() == Escalation.objects.count()
