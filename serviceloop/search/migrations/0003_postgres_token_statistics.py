"""PostgreSQL: a long most-common-lexemes list for the token vector, so the planner tells a rare token from a
common one (issue #14).

With the default statistics target (100) a lexeme outside the short list is estimated at about 0.5 % of the
rows, so a title lexeme that no ticket has ('1核心') was searched by walking the primary key backwards
through all 1,000,000 rows (7 s) instead of asking the GIN index (< 1 ms). With 10,000 the list holds the
common lexemes with their real frequencies and the rest are estimated as rare: the common ones walk the newest
rows (and find 21 at once), the rare ones use the index. ANALYZE then takes ~45 s at 1,000,000 tickets.
"""

from django.db import migrations


def _statistics(target):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE search_searchdoc ALTER COLUMN tokens SET STATISTICS {int(target)}")

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_postgres_column_lexemes")]

    operations = [migrations.RunPython(_statistics(10000), _statistics(-1))]
