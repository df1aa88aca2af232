"""The token index's DDL, as migrations/0001 made it (reindex.py rebuilds it from an empty start)."""

from __future__ import annotations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, code, body, replies, internal, "
    "tokenize=\"unicode61 remove_diacritics 0\", detail=column)"
)
SQLITE_DROP = "DROP TABLE IF EXISTS search_fts"
POSTGRES_GIN_CREATE = "CREATE INDEX search_searchdoc_tokens ON search_searchdoc USING gin (tokens)"
POSTGRES_GIN_DROP = "DROP INDEX IF EXISTS search_searchdoc_tokens"
# The memory one GIN build over every ticket's tokens may take (PostgreSQL's default, 64 MB, makes the
# build over a million tickets write and merge many runs); for that one statement only.
GIN_BUILD_MEMORY = "256MB"


def postgres_gin_build(cursor) -> None:
    """Build the token index in one pass, inside the caller's transaction (SET LOCAL ends with it)."""
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{GIN_BUILD_MEMORY}'")
    cursor.execute(POSTGRES_GIN_CREATE)
