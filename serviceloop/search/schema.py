"""The token index's DDL, as migrations/0001 made it (reindex.py rebuilds it from an empty start)."""

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, code, body, replies, internal, "
    "tokenize=\"unicode61 remove_diacritics 0\", detail=column)"
)
SQLITE_DROP = "DROP TABLE IF EXISTS search_fts"
POSTGRES_GIN_CREATE = "CREATE INDEX search_searchdoc_tokens ON search_searchdoc USING gin (tokens)"
POSTGRES_GIN_DROP = "DROP INDEX IF EXISTS search_searchdoc_tokens"
