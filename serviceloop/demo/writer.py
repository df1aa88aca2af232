"""The writer: reserves ticket and escalation ids (before the batch is generated), then ticket numbers,
and inserts a whole batch — tickets, timeline events, SLA rows, pauses, breaches, escalations,
co-handlers — in one transaction, one multi-row statement per table (COPY on PostgreSQL, executemany
on SQLite).

The events come from tickets/events.py as EventRow tuples in that module's field order (BULK_FIELDS),
the SLA rows from demo/clock.py as model instances; both are turned into database rows generically,
column by column from the model's own fields, so the writer never restates a table's shape; only the
ticket row is a plain list (history.TICKET_FIELDS), being the widest and the one built a million times.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection, models, transaction
from django.utils import timezone

from serviceloop.sla.models import Breach, Escalation, PauseInterval, TicketSLA
from serviceloop.tickets import events
from serviceloop.tickets.models import Ticket, TicketEvent
from serviceloop.tickets.numbering import NumberPattern, reserve_block

from .history import NUMBER_COLUMN, TICKET_FIELDS, Batch

ESCALATION_BLOCK = 1000


def _columns(model, names: list[str]) -> list[str]:
    """The database columns of `names` (foreign keys give their `_id` column)."""
    return [model._meta.get_field(name).column for name in names]


def _other_columns(model, names: list[str], now: datetime) -> tuple[list[str], list]:
    """Columns of `model` the demo does not fill itself, with each one's default value.

    A field added to the model later (say a nullable deadline) then gets what Django would have
    stored, instead of the raw INSERT failing on a NOT NULL column.
    """
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.name in names or f.primary_key:
            continue
        value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        columns.append(f.column)
        values.append(f.get_db_prep_save(value, connection))
    return columns, values


class InstanceRows:
    """How to turn unsaved instances of one model (or tuples in a given field order) into row tuples
    for COPY or executemany."""

    def __init__(self, model, *, with_pk: bool, postgres: bool, order: tuple[str, ...] | None = None):
        """Every concrete field (the primary key only when the demo chose it), each with its converter:
        JSON to text, and on SQLite datetimes to naive UTC text (how Django's backend stores them; COPY
        takes aware ones). `order`: the items are tuples of these attribute names, not instances."""
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.table = model._meta.db_table
        self.columns = [f.column for f in fields]
        names: dict = {"_sqlite_text": _sqlite_text}
        parts = []
        for index, f in enumerate(fields):
            value = f"o[{order.index(f.attname)}]" if order is not None else f"o.{f.attname}"
            if isinstance(f, models.JSONField):
                names[f"_encoder{index}"] = f.encoder
                value = f"_dumps({value}, cls=_encoder{index})"
            elif isinstance(f, models.DateTimeField) and not postgres:
                value = f"_sqlite_text({value})"
            parts.append(value)
        names["_dumps"] = json.dumps
        # One compiled expression per model instead of a loop over fields per row: a million-ticket
        # demo converts some ten million rows. Attribute names come from the model's own fields.
        self.row = eval(f"lambda o: ({', '.join(parts)},)", names)  # noqa: S307 - built from field names only

    def rows(self, instances: list) -> list[tuple]:
        """The instances as tuples of database values."""
        row = self.row
        return [row(obj) for obj in instances]


def _sqlite_text(value: datetime | None) -> str | None:
    """A datetime as Django's SQLite backend stores it: naive UTC text (adapt_datetimefield_value). Given
    as text, the driver's adapter is not called again for each of some twenty million values."""
    if value is None:
        return None
    if value.tzinfo is not UTC:  # the generator's times are UTC already; the SLA maths' are local
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ")


class BatchWriter:
    """Writes generated batches; resolves table and column names once, from the models."""

    def __init__(self):
        """Check the database and prepare each table's columns."""
        if connection.vendor not in ("sqlite", "postgresql"):
            raise RuntimeError(f"the demo loader supports SQLite and PostgreSQL, not {connection.vendor}")
        self.qn = connection.ops.quote_name
        self.postgres = connection.vendor == "postgresql"
        now = timezone.now()
        self.ticket_table = Ticket._meta.db_table
        self.ticket_extra_columns, self.ticket_extras = _other_columns(Ticket, TICKET_FIELDS, now)
        self.ticket_columns = _columns(Ticket, TICKET_FIELDS) + self.ticket_extra_columns
        self.events = InstanceRows(
            TicketEvent, with_pk=False, postgres=self.postgres, order=events.BULK_FIELDS
        )
        self.slas = InstanceRows(TicketSLA, with_pk=True, postgres=self.postgres)  # its key is the ticket's
        self.pauses = InstanceRows(PauseInterval, with_pk=False, postgres=self.postgres)
        self.breaches = InstanceRows(Breach, with_pk=False, postgres=self.postgres)
        self.escalations = InstanceRows(Escalation, with_pk=True, postgres=self.postgres)
        through = Ticket.co_handlers.through
        self.co_table = through._meta.db_table
        self.co_columns = [through._meta.get_field("ticket").column, through._meta.get_field("user").column]
        self._escalation_ids: list[int] = []

    def write(self, count: int, generate: Callable[[list[int], Callable[[], int]], Batch],
              pattern: NumberPattern) -> Batch:
        """Reserve `count` ticket ids, generate the batch with them, then number it and insert it in one
        transaction.

        The ids (ticket and escalation) are reserved first, each block in a short transaction of its
        own, so the generation runs outside the write transaction: on SQLite the write lock is held
        only while rows go in, and the search indexer (follower.py) writes between the batches. The
        ticket numbers are reserved inside the inserting transaction, so a ticket created meanwhile
        through ticket_create can never get a number (or an id) this batch uses.
        """
        ids = self._reserve_ids(Ticket, count)
        self._escalation_ids = []
        batch = generate(ids, self._next_escalation_id)
        with transaction.atomic(), connection.cursor() as cursor:
            counts: dict[str, int] = {}
            for period in batch.periods:
                counts[period] = counts.get(period, 0) + 1
            firsts = {period: reserve_block(period, n) for period, n in counts.items()}
            for row, local, period in zip(batch.rows, batch.local_times, batch.periods, strict=True):
                value = firsts[period]
                firsts[period] = value + 1
                row[NUMBER_COLUMN] = pattern.format(local, value)
                if self.ticket_extras:
                    row.extend(self.ticket_extras)
            self._insert(cursor, self.ticket_table, self.ticket_columns, batch.rows)
            if batch.escalations:
                self._insert_instances(cursor, self.escalations, batch.escalations)
            self._insert_instances(cursor, self.events, batch.events)
            self._insert_instances(cursor, self.slas, batch.slas)
            if batch.pauses:
                self._insert_instances(cursor, self.pauses, batch.pauses)
            if batch.breaches:
                self._insert_instances(cursor, self.breaches, batch.breaches)
            if batch.co_handlers:
                self._insert(cursor, self.co_table, self.co_columns, batch.co_handlers)
        return batch

    def _next_escalation_id(self) -> int:
        """An escalation id nobody else can take (its `escalated` event names it), reserved in blocks."""
        if not self._escalation_ids:
            self._escalation_ids = self._reserve_ids(Escalation, ESCALATION_BLOCK)
            self._escalation_ids.reverse()
        return self._escalation_ids.pop()

    def _reserve_ids(self, model, count: int) -> list[int]:
        """`count` ids of `model` nobody else can take, reserved at once (unused ones are a gap, as after
        any rollback).

        PostgreSQL hands them out from the identity sequence. On SQLite the tables are AUTOINCREMENT,
        which never gives out an id at or below the table's sqlite_sequence value: raising that value
        past the block (from the current maximum, or the mark, whichever is higher) reserves it.
        """
        table = model._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                               [table, count])
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.qn(table)}")  # noqa: S608 - table from the model
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
            if row:
                cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [top + count, table])
            else:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, top + count]
                )
        return list(range(top + 1, top + 1 + count))

    def _insert_instances(self, cursor, spec: InstanceRows, instances: list) -> None:
        self._insert(cursor, spec.table, spec.columns, spec.rows(instances))

    def _insert(self, cursor, table: str, columns: list[str], rows: list) -> None:
        """Insert rows: COPY on PostgreSQL (several times faster than INSERT), executemany elsewhere."""
        quoted = ", ".join(self.qn(c) for c in columns)
        if self.postgres:
            with cursor.cursor.copy(f"COPY {self.qn(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {self.qn(table)} ({quoted}) VALUES ({marks})", rows)  # noqa: S608

    def finish(self) -> None:
        """After a big load, refresh PostgreSQL's planner statistics.

        Autovacuum would get there too, but only later: until then the planner believes the
        tables are as small as they were and may pick poor plans for the first list pages.
        """
        if self.postgres:
            with connection.cursor() as cursor:
                for table in (self.ticket_table, self.events.table, self.slas.table, self.pauses.table,
                              self.breaches.table, self.escalations.table, self.co_table):
                    cursor.execute(f"ANALYZE {self.qn(table)}")
