"""Similar resolved tickets for the ticket page (issue #14.4): same error code, same product model,
similar text — found through the search engine, so what the person may see is scoped the same way.

"Similar text" is the ticket's keywords: jieba segments the title and the start of the description
and ranks the words by TF-IDF (jieba.analyse); each keyword is one engine query among the resolved and
closed tickets. A ticket scores 3 for the same error code, 2 for the same product model and 1 for each
keyword it contains; the best five are shown, newest first among equals.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from serviceloop.tickets.choices import Status
from serviceloop.tickets.models import Ticket

from . import engine, text

DONE = [Status.RESOLVED, Status.CLOSED]
KEYWORDS = 4
PER_QUERY = 10


@functools.cache
def _jieba():
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    return jieba.analyse


def keywords(ticket: Ticket, limit: int = KEYWORDS) -> list[str]:
    """The ticket's most telling words (jieba TF-IDF over the title, weighted twice,
    and the description's start)."""
    source = f"{ticket.title} {ticket.title} {ticket.description[:300]}"
    words = _jieba().extract_tags(source, topK=limit * 3)
    picked = []
    for word in words:
        term = text.normalise(word)
        # Words of one Latin letter or digit, or made of nothing searchable, tell nothing.
        if len(term) < 2 or not text.term_tokens(term) or term in picked:
            continue
        picked.append(term)
        if len(picked) == limit:
            break
    return picked


@dataclass
class Similar:
    ticket: Ticket
    score: int = 0
    reasons: list[str] = field(default_factory=list)  # "error_code", "product_model", "text"
    words: list[str] = field(default_factory=list)


def similar_resolved(user, ticket: Ticket, limit: int = 5) -> list[Similar]:
    """Up to `limit` resolved or closed tickets like this one that `user` may see, best first."""
    found: dict[int, Similar] = {}
    model_id = ticket.product.product_model_id if ticket.product_id else None

    def add(hits, reason: str, word: str = ""):
        for hit in hits:
            entry = found.setdefault(hit.ticket.pk, Similar(ticket=hit.ticket))
            if reason not in entry.reasons:
                entry.reasons.append(reason)
            if word:
                entry.words.append(word)

    base = engine.Filters(status=DONE, exclude_ticket_id=ticket.pk)
    code = text.normalise(ticket.error_code)
    if code and len(code) <= text.MAX_QUERY_CHARS:
        hits = engine.query(user, code, base, limit=PER_QUERY).hits
        add([h for h in hits if text.normalise(h.ticket.error_code) == code], "error_code")
    for word in keywords(ticket):
        filters = engine.Filters(status=DONE, exclude_ticket_id=ticket.pk, product_model_id=model_id)
        add(engine.query(user, word, filters, limit=PER_QUERY).hits, "text", word)
        if model_id is not None:
            add(engine.query(user, word, base, limit=PER_QUERY).hits, "text", word)
    if model_id is not None:
        models = dict(
            Ticket.objects.filter(pk__in=list(found)).values_list("pk", "product__product_model_id")
        )
        for pk, entry in found.items():
            if models.get(pk) == model_id:
                entry.reasons.append("product_model")
                entry.score += 2
    for entry in found.values():
        entry.words = sorted(set(entry.words))
        entry.score = (
            (3 if "error_code" in entry.reasons else 0)
            + (2 if "product_model" in entry.reasons else 0)
            + len(entry.words)
        )
    ranked = sorted(found.values(), key=lambda e: (-e.score, -e.ticket.pk))
    # One keyword alone, with nothing else in common, is too weak to be called similar.
    return [e for e in ranked if e.score >= 2][:limit]
