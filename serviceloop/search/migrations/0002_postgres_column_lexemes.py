"""PostgreSQL: each token stored once per column as the column's number and the token ('1电源'), no weights.

The vectors already indexed are rewritten in SQL from their positions (a token's position was its
column's number), so no reindex is needed; the GIN index is dropped while the rows change and built
once after. SQLite's FTS5 table is unchanged.
"""

from django.db import migrations

REWRITE = """
UPDATE search_searchdoc SET tokens = coalesce((
    SELECT array_to_tsvector(array_agg(DISTINCT p::text || u.lexeme))
    FROM unnest(tokens) AS u(lexeme, positions, weights), unnest(u.positions) AS p
), ''::tsvector)
"""
# Back: each column's lexemes at that column's position with its old weight (A title … D replies, notes).
UNDO = """
UPDATE search_searchdoc SET tokens = coalesce((
    SELECT string_agg(quote_literal(substr(u.lexeme, 2)) || ':' || substr(u.lexeme, 1, 1)
                      || translate(substr(u.lexeme, 1, 1), '12345', 'ABCDD'), ' ')::tsvector
    FROM unnest(tokens) AS u(lexeme, positions, weights)
), ''::tsvector)
"""


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP INDEX IF EXISTS search_searchdoc_tokens")
        schema_editor.execute(statement)
        schema_editor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        schema_editor.execute("CREATE INDEX search_searchdoc_tokens ON search_searchdoc USING gin (tokens)")

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(_run(REWRITE), _run(UNDO))]
