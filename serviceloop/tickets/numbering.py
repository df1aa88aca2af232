"""Ticket numbers (NUM-1..3): a pattern, a period key, and a per-period counter row.

A pattern is made of date tokens (YYYY, YY, MM, DD), one run of N for the sequence, and
literal text: `YYYYMM-NNNN` gives 202405-0013, `FBYYYYMMDDNNN` gives FB20240501001,
`YYYYMMDD-XNNN` gives 20240501-X001. The sequence restarts whenever the date part changes,
and a number past the run's width simply grows one digit (202405-10000), never wraps.

Uniqueness under concurrency comes from the counter row: `next_number` increments it with one
upsert inside the caller's transaction, which holds the row lock (PostgreSQL) or the database
write lock (SQLite, IMMEDIATE transactions) until the ticket is committed. A rolled-back ticket
rolls its increment back too, so numbers stay consecutive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

PRESETS = ("YYYYMM-NNN", "YYYYMM-NNNN", "FBYYYYMMDDNNN", "YYYYMMDD-XNNN")
_TOKEN = re.compile(r"YYYY|YY|MM|DD|N+")


@dataclass(frozen=True)
class NumberPattern:
    """A parsed pattern: literal/date parts before and after one sequence run of `width` digits."""

    pattern: str
    parts: tuple[str, ...]
    width: int

    @classmethod
    def parse(cls, pattern: str) -> NumberPattern:
        parts = tuple(p for p in re.split(f"({_TOKEN.pattern})", pattern) if p)
        runs = [p for p in parts if p.startswith("N") and set(p) == {"N"}]
        if len(runs) != 1:
            raise ValueError(f"ticket number pattern {pattern!r} needs exactly one run of N")
        return cls(pattern=pattern, parts=parts, width=len(runs[0]))

    def _render(self, when: datetime, seq: str) -> str:
        values = {"YYYY": f"{when.year:04d}", "YY": f"{when.year % 100:02d}", "MM": f"{when.month:02d}",
                  "DD": f"{when.day:02d}"}
        out = []
        for part in self.parts:
            if part in values:
                out.append(values[part])
            elif set(part) == {"N"}:
                out.append(seq)
            else:
                out.append(part)
        return "".join(out)

    def period_key(self, when: datetime) -> str:
        """The counter's key: the pattern with its date tokens filled and the run left as a marker.

        Including the pattern keeps counters apart when an administrator switches patterns.
        """
        return f"{self.pattern}|{self._render(when, '#')}"

    def format(self, when: datetime, value: int) -> str:
        return self._render(when, str(value).zfill(self.width))


def local_now() -> datetime:
    return timezone.localtime(timezone.now())


def next_number(pattern: str, when: datetime | None = None) -> str:
    """Allocate the next number for `pattern`; call inside the transaction that creates the ticket.

    One statement does it all (reserve_block of one): insert the period's row at 1, or, if it exists,
    add one — and return the value. The upsert takes the row lock (PostgreSQL) or the write lock
    (SQLite) at once, so no second transaction can read the same value before ours commits.
    """
    parsed = NumberPattern.parse(pattern)
    when = timezone.localtime(when) if when else local_now()
    return parsed.format(when, reserve_block(parsed.period_key(when), 1))


def reserve_block(period: str, count: int) -> int:
    """Reserve `count` consecutive counter values of `period` (a `period_key`); return the first.

    The same upsert as one ticket's number, adding `count` instead of one, so the counter row ends
    holding the highest value handed out and later tickets continue after the block. Call inside
    the transaction that writes the tickets: the row (PostgreSQL) or write lock (SQLite) is held
    until it commits, and a rollback gives the block back. SQLite ≥ 3.35 and every supported
    PostgreSQL understand `ON CONFLICT … DO UPDATE … RETURNING`.
    """
    from .models import TicketSequence

    if count < 1:
        raise ValueError("a block holds at least one number")
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (period, last_value) VALUES (%s, %s) "  # noqa: S608 - table name from the model
            f"ON CONFLICT (period) DO UPDATE SET last_value = {table}.last_value + excluded.last_value "
            "RETURNING last_value",
            [period, count],
        )
        last = cursor.fetchone()[0]
    return last - count + 1
