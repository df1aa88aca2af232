"""Export of a ticket list with its filters (USR-7): CSV and XLSX, streamed, in bounded memory.

The rows are the list's own: the same selector (`tickets.selectors.ticket_matching`), so the same
visibility (a customer exports only their organisation's tickets) and the same filters; newest first, read
in chunks by id (a keyset, served by the list's indexes) — memory stays flat whatever the list's length.
Phones are masked as on the list (SEC-1). A cell a spreadsheet would run as a formula (=, +, -, @ first)
is written as text.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from serviceloop.core.masking import mask_phone
from serviceloop.sla.selectors import sla_state
from serviceloop.tickets import selectors
from serviceloop.tickets.choices import Channel, Priority, Status, SubStatus, TicketType
from serviceloop.tickets.selectors import TicketFilters

from . import xlsx

CHUNK = 1000
# What a spreadsheet reads as the start of a formula (OWASP "CSV injection"); tab and CR too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def columns() -> list[str]:
    """The header row, in the user's language."""
    return [
        _("Number"),
        _("Title"),
        _("Status"),
        _("Sub-status"),
        _("Priority"),
        _("Type"),
        _("Organisation"),
        _("Contact"),
        _("Contact phone"),
        _("Owner"),
        _("Group"),
        _("Category"),
        _("Channel"),
        _("Error code"),
        _("Created at"),
        _("First response at"),
        _("Resolve by"),
        _("SLA"),
        _("Resolved at"),
        _("Closed at"),
    ]


# Column widths in characters.
_WIDTHS = [16, 40, 14, 14, 8, 10, 24, 12, 14, 12, 12, 14, 10, 14, 17, 17, 17, 8, 17, 17]


def _in_language(chunks: Iterator[list[list]], language: str) -> Iterator[list]:
    """The rows, each chunk made in `language`: a streamed response is read after the view has returned,
    when the request's language may no longer be the active one."""
    while True:
        with translation.override(language):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield from chunk


def ticket_rows(*, user, filters: TicketFilters, max_rows: int | None = None) -> Iterator[list]:
    """Every ticket of the list, newest first, as rows of plain values (str, datetime or None), read in
    chunks by id, in the language active when it is called."""
    return _in_language(_ticket_rows(user, filters, max_rows), translation.get_language())


# The columns read for each row, in one query per chunk: plain values, no model instances (an export
# of a million rows spends its time here, so nothing is built that is not written).
_FIELDS = ("id", "number", "title", "status", "sub_status", "priority", "ticket_type", "organization__name",
           "contact__name", "contact__phone", "owner__display_name", "owner__username", "group__name",
           "category_id", "channel", "error_code", "created_at", "first_response_at", "sla__resolution_due",
           "sla__paused_since", "sla__next_deadline", "sla__breached", "sla__at_risk_at", "resolved_at",
           "closed_at")


def _ticket_rows(user, filters: TicketFilters, max_rows: int | None) -> Iterator[list[list]]:
    labels = {name: dict(choices) for name, choices in (
        ("status", Status.choices), ("sub_status", SubStatus.choices), ("priority", Priority.choices),
        ("ticket_type", TicketType.choices), ("channel", Channel.choices))}
    categories = {c.pk: str(c) for c in selectors.category_list()}
    states = {"breached": _("Breached"), "at_risk": _("At risk"), "paused": _("Paused"), "ok": _("On time")}
    matching = selectors.ticket_matching(user=user, filters=filters).order_by("-id")
    last, sent, now = None, 0, timezone.now()
    tz = timezone.get_current_timezone()

    def local(value: datetime | None) -> datetime | None:
        # Spreadsheets have no time zones: the local wall time, as the list shows it.
        return value.astimezone(tz).replace(tzinfo=None) if value else None

    while max_rows is None or sent < max_rows:
        chunk = matching if last is None else matching.filter(id__lt=last)
        size = CHUNK if max_rows is None else min(CHUNK, max_rows - sent)
        rows, out = list(chunk.values_list(*_FIELDS)[:size]), []
        for (
            _pk,
            number,
            title,
            status,
            sub_status,
            priority,
            ticket_type,
            org,
            contact,
            phone,
            owner_name,
            owner_login,
            group,
            category_id,
            channel,
            error_code,
            created_at,
            first_response_at,
            resolution_due,
            paused_since,
            next_deadline,
            breached,
            at_risk_at,
            resolved_at,
            closed_at,
        ) in rows:
            state = _state(paused_since, next_deadline, breached, at_risk_at, now)
            out.append(
                [
                    number,
                    title,
                    labels["status"].get(status, status),
                    labels["sub_status"].get(sub_status, ""),
                    labels["priority"].get(priority, priority),
                    labels["ticket_type"].get(ticket_type, ticket_type),
                    org,
                    contact or "",
                    mask_phone(phone) if phone else "",
                    owner_name or owner_login or "",
                    group or "",
                    categories.get(category_id, ""),
                    labels["channel"].get(channel, channel),
                    error_code,
                    local(created_at),
                    local(first_response_at),
                    None if paused_since else local(resolution_due),
                    states.get(state, ""),
                    local(resolved_at),
                    local(closed_at),
                ]
            )
        yield out
        sent += len(rows)
        if len(rows) < size:
            return
        last = rows[-1][0]


def _state(paused_since, next_deadline, breached, at_risk_at, now) -> str | None:
    # The list row's colour word (sla.selectors.sla_state) from the row's plain values.
    return sla_state(
        SimpleNamespace(
            paused_since=paused_since, next_deadline=next_deadline, breached=breached, at_risk_at=at_risk_at
        )
        if next_deadline or paused_since
        else None,
        now,
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    value = str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


class _Line:
    """A file-like object csv.writer writes one line into, handed back at once (nothing accumulates)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterator[list]) -> Iterator[str]:
    """The CSV text in pieces of whole lines, UTF-8 with a byte-order mark so that Excel reads Chinese
    correctly."""
    return _csv_lines(columns(), rows)


def _csv_lines(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    # A few hundred lines at a time: the server writes each piece to the socket on its own.
    batch = []
    for row in rows:
        batch.append(writer.writerow([_text(v) for v in row]))
        if len(batch) == 500:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def write_xlsx(rows: Iterator[list], *, sheet_name: str):
    """The rows as an XLSX workbook in a temporary file (returned open, at its start; deleted on close)."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, which closes it
    xlsx.write_table(out, sheet_name=sheet_name, header=columns(), widths=_WIDTHS, rows=rows)
    out.seek(0)
    return out
