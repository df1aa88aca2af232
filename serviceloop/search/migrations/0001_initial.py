import django.db.models.deletion
from django.db import migrations, models

# The token index of the database in use (see models.py): FTS5 on SQLite, tsvector + GIN on PostgreSQL.
# detail=column: which column holds a token, no positions (the engine confirms matches by substring);
# No prefix index: it would cost 40 % more per row written; a word prefix (e10 → e101) is a range of terms.
SQLITE_UP = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, code, body, replies, internal, "
    "tokenize=\"unicode61 remove_diacritics 0\", detail=column)"
)
SQLITE_DOWN = "DROP TABLE IF EXISTS search_fts"
POSTGRES_UP = [
    "ALTER TABLE search_searchdoc ADD COLUMN tokens tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX search_searchdoc_tokens ON search_searchdoc USING gin (tokens)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS search_searchdoc_tokens",
                 "ALTER TABLE search_searchdoc DROP COLUMN IF EXISTS tokens"]


def token_index(apps, schema_editor):
    statements = [SQLITE_UP] if schema_editor.connection.vendor == "sqlite" else POSTGRES_UP
    for statement in statements:
        schema_editor.execute(statement)


def drop_token_index(apps, schema_editor):
    statements = [SQLITE_DOWN] if schema_editor.connection.vendor == "sqlite" else POSTGRES_DOWN
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    initial = True

    dependencies = [("tickets", "0009_repair_out_of_range_times")]

    operations = [
        migrations.CreateModel(
            name="SearchDoc",
            fields=[
                ("ticket", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                related_name="search_doc", serialize=False, to="tickets.ticket")),
                ("title", models.TextField(blank=True)),
                ("code", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("replies", models.TextField(blank=True)),
                ("internal", models.TextField(blank=True)),
            ],
            options={"verbose_name": "search document", "verbose_name_plural": "search documents"},
        ),
        migrations.RunPython(token_index, drop_token_index),
    ]
