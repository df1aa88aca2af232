"""Search: one row per ticket holding the normalised text the engine confirms matches against (issue #14).

The tokens live beside it in a form only the database's own engine reads: an FTS5 table
`search_fts` (rowid = ticket id) on SQLite, a `tokens tsvector` column with a GIN index on
PostgreSQL, both made by migrations/0001 for the database in use (engine.py writes them).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDoc(models.Model):
    """A ticket's searchable text by ranking column: title > code > body > replies (> internal, staff only).

    Every value is normalised (text.normalise: NFKC, casefold). `code` holds the error code, the
    ticket number, the product's serial and model, the organisation's name and the contact's name
    and phone; `internal` the internal notes and logged communications, which customers never match.
    """

    ticket = models.OneToOneField("tickets.Ticket", primary_key=True, on_delete=models.CASCADE,
                                  related_name="search_doc", db_constraint=True)
    title = models.TextField(blank=True)
    code = models.TextField(blank=True)
    body = models.TextField(blank=True)
    replies = models.TextField(blank=True)
    internal = models.TextField(blank=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self):
        return f"search doc {self.ticket_id}"
