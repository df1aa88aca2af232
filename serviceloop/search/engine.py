"""The search engine: index_ticket, remove, query — one interface, two backends (issue #14).

What a query finds is decided in text.py and here, not by the database: each term's tokens select
candidates through the database's own index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), and each
candidate is confirmed by substring in the normalised text (instr / strpos). Both backends run the
same two steps over the same rows, so they return the same tickets, and a Chinese query finds every
ticket that contains it (recall 100 % against LIKE '%…%' on the same fields).

Ranking is by column, as the issue asks — title over code (error code, number, serial, model,
organisation, contact) over description over replies: a ticket is in tier k when every term is found
within the first k columns. A page is read tier by tier, newest first inside a tier, each tier one
indexed query with LIMIT, so the first page of a word found in 300,000 tickets costs the same as one
found in three. Order "date" reads all columns at once, newest first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput
from serviceloop.tickets.choices import EventKind
from serviceloop.tickets.models import Ticket, TicketEvent

from . import text

COLUMNS = ("title", "code", "body", "replies", "internal")
PUBLIC_COLUMNS = COLUMNS[:4]
_POSITION = {column: i + 1 for i, column in enumerate(COLUMNS)}
REPLY_KINDS = (EventKind.REPLY, EventKind.CUSTOMER_REPLY)
INTERNAL_KINDS = (EventKind.NOTE, EventKind.COMMUNICATION)
BODY_FIELDS = ("description", "objective_description", "reproduction_steps", "environment", "business_impact",
               "tried_steps")


class Order:
    RELEVANCE = "relevance"
    DATE = "date"
    ALL = (RELEVANCE, DATE)


@dataclass
class Filters:
    """What a search may be narrowed by; each list empty or None means "any"."""

    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    ticket_type: list[str] = field(default_factory=list)
    organization_id: int | None = None
    product_model_id: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    exclude_ticket_id: int | None = None


@dataclass
class Hit:
    """One found ticket: the ticket, the column tier it was found in (1 = title), a highlighted snippet."""

    ticket: Ticket
    tier: int
    column: str
    snippet: str  # HTML: escaped text with <mark> around each term


@dataclass
class Results:
    hits: list[Hit]
    next_cursor: str | None
    terms: list[str]


# --- documents ------------------------------------------------------------------------------------

def _join(values: Iterable[str]) -> str:
    # Fields are joined by a newline: normalise() turns every whitespace run into one space, so no
    # term can span two fields.
    return "\n".join(v for v in (text.normalise(v) for v in values) if v)


def _event_text(event_kind: str, body: str, data: dict) -> str:
    parts = [body]
    if event_kind == EventKind.COMMUNICATION:
        parts += [str(data.get("customer_feedback", "")), str(data.get("next_step", ""))]
    elif event_kind == EventKind.STATUS and data.get("internal_note"):
        parts.append(str(data["internal_note"]))
    return "\n".join(p for p in parts if p)


def build_documents(tickets: list[Ticket], *, events: bool = True) -> dict[int, dict[str, str]]:
    """The normalised column texts of each ticket (tickets read with organization, contact and
    product__product_model); their timeline bodies are read here in one query (unless `events` is False)."""
    replies: dict[int, list[str]] = {t.pk: [] for t in tickets}
    internal: dict[int, list[str]] = {t.pk: [] for t in tickets}
    if tickets and events:
        rows = (
            TicketEvent.objects.filter(
                ticket_id__in=list(replies), kind__in=(*REPLY_KINDS, *INTERNAL_KINDS, EventKind.STATUS)
            )
            .order_by("ticket_id", "id")
            .values_list("ticket_id", "kind", "is_public", "body", "data")
        )
        for ticket_id, kind, is_public, body, data in rows.iterator(chunk_size=5000):
            value = _event_text(kind, body, data or {})
            if not value:
                continue
            public = is_public and kind in (*REPLY_KINDS, EventKind.STATUS)
            if kind == EventKind.STATUS:
                # A status note is public when the customer was shown it; an internal one sits in data.
                if body:
                    replies[ticket_id].append(body)
                if (data or {}).get("internal_note"):
                    internal[ticket_id].append(str(data["internal_note"]))
                continue
            (replies if public else internal)[ticket_id].append(value)
    documents = {}
    for ticket in tickets:
        codes = [ticket.error_code, ticket.number]
        if ticket.organization_id:
            codes.append(ticket.organization.name)
        if ticket.contact_id:
            codes += [ticket.contact.name, ticket.contact.phone, ticket.contact.email]
        if ticket.product_id:
            codes += [ticket.product.serial_number, ticket.product.product_model.code,
                      ticket.product.product_model.name]
        documents[ticket.pk] = {
            "title": _join([ticket.title]),
            "code": _join(codes),
            "body": _join(getattr(ticket, f) for f in BODY_FIELDS),
            "replies": _join(replies[ticket.pk]),
            "internal": _join(internal[ticket.pk]),
        }
    return documents


def _tickets(ids: Iterable[int]) -> list[Ticket]:
    return list(Ticket.objects.filter(pk__in=list(ids)).select_related(
        "organization", "contact", "product__product_model").order_by("pk"))


# --- backends -------------------------------------------------------------------------------------

class Backend:
    """What differs between the databases: writing tokens, and the candidate clause of a query."""

    vendor = ""

    def write(self, documents: dict[int, dict[str, str]], *, fresh: bool = False) -> None:
        """Store the documents' rows and tokens; `fresh`: none of them is indexed yet (a new ticket)."""
        raise NotImplementedError

    def remove(self, ids: list[int]) -> None:
        raise NotImplementedError

    def candidates(self, lookups: list[list[text.Lookup]], columns: tuple[str, ...],
                   focus: tuple[str, ...] = ()) -> tuple[str, str, list]:
        """(FROM clause, WHERE clause, params) selecting search_searchdoc rows `d` that hold every lookup
        within `columns` and, given a `focus`, every lookup of at least one term within the focus columns
        (a tier's own column: what the tiers below it cannot have found)."""
        raise NotImplementedError

    contains = ""  # SQL of "column holds the substring %s"
    row_id = "d.ticket_id"  # the column a page is ordered and cut by: the index's own order where it has one


def tokens_of(document: dict) -> dict[str, set[str]]:
    """Each column's tokens; a document prepared before its ticket was numbered (prepare_new_ticket)
    brings its own, to which the number's are added."""
    prepared = document.get("_tokens")
    if prepared is not None:
        return prepared
    return {c: text.doc_tokens(document[c], phone=(c == "code")) for c in COLUMNS}


class SQLiteBackend(Backend):
    vendor = "sqlite"
    contains = "instr(d.{column}, %s) > 0"

    def write(self, documents, *, fresh=False):
        if not documents:
            return
        with connection.cursor() as cursor:
            if not fresh:
                self._delete(cursor, list(documents))
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, code, body, replies, internal) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (pk, *(" ".join(tokens[c]) for c in COLUMNS))
                    for pk, tokens in ((pk, tokens_of(doc)) for pk, doc in documents.items())
                ],
            )
            cursor.executemany(
                "INSERT INTO search_searchdoc (ticket_id, title, code, body, replies, internal) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [(pk, *(doc[c] for c in COLUMNS)) for pk, doc in documents.items()])

    @staticmethod
    def _delete(cursor, ids):
        # Only the rows that exist: a bulk reindex writes mostly tickets not indexed yet.
        existing = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT ticket_id FROM search_searchdoc WHERE ticket_id IN ({marks})", chunk)  # noqa: S608
            existing += [row[0] for row in cursor.fetchall()]
        ids = existing
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608 - marks only
            cursor.execute(f"DELETE FROM search_searchdoc WHERE ticket_id IN ({marks})", chunk)  # noqa: S608

    def remove(self, ids):
        with connection.cursor() as cursor:
            self._delete(cursor, list(ids))

    @staticmethod
    def _quote(lookup: text.Lookup) -> str:
        return '"' + lookup.token.replace('"', '""') + '"' + ("*" if lookup.prefix else "")

    row_id = "f.rowid"  # FTS5 hands its matches out in rowid order: ORDER BY f.rowid DESC needs no sort

    def candidates(self, lookups, columns, focus=()):
        # Tokens are quoted as FTS5 strings, so nothing a user types is read as FTS5 syntax.
        def terms_in(cols, term):
            return "{" + " ".join(cols) + "} : (" + " AND ".join(self._quote(lookup) for lookup in term) + ")"

        every = " AND ".join(terms_in(columns, term) for term in lookups)
        if focus:
            some = " OR ".join(terms_in(focus, term) for term in lookups)
            every = some if len(lookups) == 1 and set(focus) <= set(columns) else f"({every}) AND ({some})"
        return ("search_fts f JOIN search_searchdoc d ON d.ticket_id = f.rowid", "search_fts MATCH %s",
                [every])


class PostgresBackend(Backend):
    """Tokens in a `tsvector` with a GIN index, each stored once per column it occurs in, as the column's
    number and the token ('1电源' in the title, '3电源' in the description, '5…' in an internal note).

    The index then answers "this token within these columns" by itself: a query is exact lexemes
    (and prefixes), never a weight, which GIN cannot check and which made PostgreSQL read and detoast
    every candidate row's vector to recheck it (issue #14: 2-character words took seconds at 100,000)."""

    vendor = "postgresql"
    contains = "strpos(d.{column}, %s) > 0"

    @staticmethod
    def tsvector(tokens: dict[str, set[str]]) -> str:
        """A tsvector literal of the columns' tokens ('1电源' '3电源' '3e101'), without positions.

        Tokens are letters and digits only (text.doc_tokens: no quote, no backslash, no space), so they
        go between quotes as they are."""
        return " ".join([f"'{_POSITION[column]}{token}'" for column in COLUMNS for token in tokens[column]])

    def write(self, documents, *, fresh=False):
        if not documents:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_searchdoc (ticket_id, title, code, body, replies, internal, tokens) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s::tsvector) ON CONFLICT (ticket_id) DO UPDATE SET "
                "title = EXCLUDED.title, code = EXCLUDED.code, body = EXCLUDED.body, "
                "replies = EXCLUDED.replies, internal = EXCLUDED.internal, tokens = EXCLUDED.tokens",
                [(pk, *(doc[c] for c in COLUMNS), self.tsvector(tokens_of(doc)))
                 for pk, doc in documents.items()])

    def remove(self, ids):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_searchdoc WHERE ticket_id = ANY(%s)", [list(ids)])

    def candidates(self, lookups, columns, focus=()):
        def lexemes(cols, lookup):
            # Letters and digits (text.term_tokens) need no escaping; the replace is a second fence.
            token = lookup.token.replace("'", "''").replace("\\", "\\\\")
            suffix = ":*" if lookup.prefix else ""
            return "(" + " | ".join(f"'{_POSITION[c]}{token}'{suffix}" for c in cols) + ")"

        def terms_in(cols, term):
            return "(" + " & ".join(lexemes(cols, lookup) for lookup in term) + ")"

        query = " & ".join(terms_in(columns, term) for term in lookups)
        if focus:
            some = " | ".join(terms_in(focus, term) for term in lookups)
            query = some if len(lookups) == 1 else f"({query}) & ({some})"
        return "search_searchdoc d", "d.tokens @@ %s::tsquery", [query]


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()


# --- writing --------------------------------------------------------------------------------------

def index_ticket(ticket_id: int) -> None:
    """(Re)index one ticket inside the caller's transaction: findable, or changed, once it commits."""
    index_tickets([ticket_id])


def index_tickets(ids: Iterable[int]) -> int:
    """(Re)index several tickets in one statement per table; returns how many were written."""
    tickets = _tickets(ids)
    with transaction.atomic():
        backend().write(build_documents(tickets))
    return len(tickets)


def prepare_new_ticket(ticket: Ticket) -> None:
    """tickets.creating: the new ticket's text and tokens, worked out before it takes its number (that
    lock is held until commit, so the work is done outside it), kept on the object until `created`."""
    document = build_documents([ticket], events=False)[ticket.pk]
    document["_tokens"] = tokens_of(document)
    ticket._search_document = document


def index_new_ticket(ticket: Ticket) -> None:
    """Index a ticket just created, from the creating service's own object: it has no timeline text
    yet and no search row, so nothing is read and nothing deleted (the create path stays short)."""
    document = getattr(ticket, "_search_document", None)
    if document is None:
        document = build_documents([ticket], events=False)[ticket.pk]
    else:
        del ticket._search_document
        number = text.normalise(ticket.number)
        document["code"] = "\n".join(v for v in (document["code"], number) if v)
        document["_tokens"]["code"] |= text.doc_tokens(number)
    backend().write({ticket.pk: document}, fresh=True)


def remove(ticket_id: int) -> None:
    """Take a ticket out of the index. Deleting a ticket through the ORM deletes its search_searchdoc row
    too (on_delete=CASCADE); an FTS5 row left behind on SQLite matches nothing, as every query joins
    search_searchdoc, and goes with the next reindex."""
    backend().remove([ticket_id])


# --- reading --------------------------------------------------------------------------------------

def parse(q: str) -> list[str]:
    """The terms of a query; a clear InvalidInput for one that is too long or has nothing to look up."""
    if q is None:
        q = ""
    if len(q) > text.MAX_QUERY_CHARS:
        raise InvalidInput.field("q", _("A search may be at most %(limit)d characters long (got %(size)d).")
                                 % {"limit": text.MAX_QUERY_CHARS, "size": len(q)})
    return text.terms(q)


def _tiers(user) -> list[tuple[str, ...]]:
    visible = COLUMNS if not user.is_customer else PUBLIC_COLUMNS
    return [visible[:1], visible[:2], visible[:3], visible]


def _scope(user, filters: Filters) -> tuple[list[str], list]:
    """The WHERE parts on tickets `t`: who may see a ticket (as Ticket.objects.visible_to) and the filters."""
    where, params = [], []
    if not user.is_authenticated:
        where.append("1 = 0")
    elif user.is_customer:
        if user.organization_id is None:
            where.append("1 = 0")
        else:
            where.append("t.organization_id = %s")
            params.append(user.organization_id)
    elif not user.has_perm("tickets.view_all_tickets"):
        co = Ticket.co_handlers.through._meta.db_table
        exists = f"EXISTS (SELECT 1 FROM {co} c WHERE c.ticket_id = t.id AND c.user_id = %s)"  # noqa: S608 - a table name
        where.append(f"(t.owner_id = %s OR {exists})")
        params += [user.pk, user.pk]
    for column, values in (("status", filters.status), ("priority", filters.priority),
                           ("ticket_type", filters.ticket_type)):
        if values:
            where.append(f"t.{column} IN ({', '.join(['%s'] * len(values))})")
            params += list(values)
    if filters.organization_id is not None:
        where.append("t.organization_id = %s")
        params.append(filters.organization_id)
    if filters.product_model_id is not None:
        where.append(
            "t.product_id IN (SELECT p.id FROM assets_customerproduct p WHERE p.product_model_id = %s)"
        )
        params.append(filters.product_model_id)
    if filters.created_after is not None:
        where.append("t.created_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.created_after))
    if filters.created_before is not None:
        where.append("t.created_at < %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.created_before))
    if filters.exclude_ticket_id is not None:
        where.append("t.id <> %s")
        params.append(filters.exclude_ticket_id)
    return where, params


def _within(engine: Backend, terms: list[str], columns: tuple[str, ...]) -> tuple[str, list]:
    """SQL: every term is a substring of one of `columns`."""
    parts, params = [], []
    for term in terms:
        parts.append("(" + " OR ".join(engine.contains.format(column=c) for c in columns) + ")")
        params += [term] * len(columns)
    return " AND ".join(parts), params


def _ids(engine: Backend, *, terms, lookups, columns, previous, scope, scope_params, before, limit):
    focus = tuple(c for c in columns if c not in previous) if previous or len(columns) == 1 else ()
    source, match, params = engine.candidates(lookups, columns, focus)
    within, within_params = _within(engine, terms, columns)
    where = [match, within, *scope]
    params = [*params, *within_params, *scope_params]
    if previous:
        outside, outside_params = _within(engine, terms, previous)
        where.append(f"NOT ({outside})")
        params += outside_params
    if before is not None:
        where.append(f"{engine.row_id} < %s")
        params.append(before)
    sql = (f"SELECT d.ticket_id FROM {source} JOIN tickets_ticket t ON t.id = d.ticket_id "  # noqa: S608
           f"WHERE {' AND '.join(where)} ORDER BY {engine.row_id} DESC LIMIT {int(limit)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _cursor(order: str, tier: int, last_id: int) -> str:
    return f"{tier}-{last_id}" if order == Order.RELEVANCE else str(last_id)


def _parse_cursor(order: str, cursor: str | None) -> tuple[int, int | None]:
    if not cursor:
        return 1, None
    try:
        if order == Order.RELEVANCE:
            tier, last = cursor.split("-", 1)
            tier, last_id = int(tier), int(last)
        else:
            tier, last_id = 4, int(cursor)
        if not (1 <= tier <= 4 and 0 < last_id < 2**63):
            raise ValueError
    except ValueError:
        raise InvalidInput.field(
            "cursor", _("This page link is not valid; start the search again.")
        ) from None
    return tier, last_id


def query(
    user,
    q: str,
    filters: Filters | None = None,
    order: str = Order.RELEVANCE,
    cursor: str | None = None,
    limit: int = 20,
) -> Results:
    """One page of the tickets `user` may see that contain every term of `q`, best first (or newest)."""
    terms = parse(q)
    if order not in Order.ALL:
        raise InvalidInput.field(
            "order", _("Order must be one of: %(allowed)s") % {"allowed": ", ".join(Order.ALL)}
        )
    if not terms:
        return Results(hits=[], next_cursor=None, terms=[])
    engine = backend()
    lookups = [text.term_tokens(t) for t in terms]
    scope, scope_params = _scope(user, filters or Filters())
    tiers = _tiers(user)
    found: list[tuple[int, int]] = []  # (ticket id, tier)
    start_tier, before = _parse_cursor(order, cursor)
    if order == Order.DATE:
        ids = _ids(engine, terms=terms, lookups=lookups, columns=tiers[-1], previous=(), scope=scope,
                   scope_params=scope_params, before=before, limit=limit + 1)
        found = [(pk, 4) for pk in ids]
    else:
        for tier in range(start_tier, 5):
            ids = _ids(engine, terms=terms, lookups=lookups, columns=tiers[tier - 1],
                       previous=tiers[tier - 2] if tier > 1 else (), scope=scope, scope_params=scope_params,
                       before=before if tier == start_tier else None, limit=limit + 1 - len(found))
            found += [(pk, tier) for pk in ids]
            if len(found) > limit:
                break
    more = len(found) > limit
    found = found[:limit]
    # The next page goes on in the tier this one ended in, from its last id.
    next_cursor = _cursor(order, found[-1][1], found[-1][0]) if more else None
    return Results(hits=_hits(user, found, terms, tiers), next_cursor=next_cursor, terms=terms)


def _hits(user, found: list[tuple[int, int]], terms: list[str], tiers) -> list[Hit]:
    if not found:
        return []
    ids = [pk for pk, _tier in found]
    # The rows are read through visible_to(user) once more: what the search SQL scoped is checked by the
    # same rule every other read uses.
    tickets = Ticket.objects.visible_to(user).select_related("organization", "owner", "contact").in_bulk(ids)
    from .models import SearchDoc

    docs = SearchDoc.objects.in_bulk(ids)
    hits = []
    for pk, tier in found:
        if pk not in tickets:
            continue
        doc = docs.get(pk)
        column, snippet = _snippet(doc, terms, tiers[tier - 1]) if doc else ("", "")
        hits.append(Hit(ticket=tickets[pk], tier=tier, column=column, snippet=snippet))
    return hits


SNIPPET_CHARS = 120


def highlight(value: str, terms: list[str]) -> str:
    """HTML: `value` escaped, each occurrence of a term (case-insensitive) in <mark>."""
    if not terms:
        return html.escape(value)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out, pos = [], 0
    for match in pattern.finditer(value):
        out += [html.escape(value[pos:match.start()]), "<mark>", html.escape(match.group()), "</mark>"]
        pos = match.end()
    out.append(html.escape(value[pos:]))
    return "".join(out)


def _snippet(doc, terms: list[str], columns: tuple[str, ...]) -> tuple[str, str]:
    """The column after the title that shows a term (the title is shown anyway), and a window around it."""
    for column in (*[c for c in columns if c != "title"], "title"):
        value = getattr(doc, column)
        positions = [value.find(t) for t in terms if t in value]
        if not positions:
            continue
        first = min(positions)
        start = max(0, first - SNIPPET_CHARS // 3)
        window = value[start:start + SNIPPET_CHARS].replace("\n", " · ")
        prefix = "…" if start > 0 else ""
        suffix = "…" if start + SNIPPET_CHARS < len(value) else ""
        return column, prefix + highlight(window, terms) + suffix
    return "", ""


def ticket_for_number(user, q: str) -> Ticket | None:
    """The ticket whose number is exactly the query (a ticket number jumps straight to it), if visible."""
    value = (q or "").strip()
    if not value or len(value) > 40 or any(ch.isspace() for ch in value):
        return None
    value = text.normalise(value).upper()
    # [:1], not .first(): first() adds ORDER BY id and the unique index on number would not be used.
    return next(iter(Ticket.objects.visible_to(user).filter(number=value)[:1]), None) if value else None
