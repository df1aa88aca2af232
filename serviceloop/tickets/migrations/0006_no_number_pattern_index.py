"""Drop the `varchar_pattern_ops` index PostgreSQL gets for the unique ticket number.

Django adds it to every indexed CharField for `LIKE 'abc%'` searches; nothing searches ticket numbers
by prefix (the admin and the API look them up exactly, through the unique index), and every new ticket
paid for one more index entry. SQLite has no such index.
"""

from django.db import migrations


def _pattern_indexes(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tickets_ticket")
    return [name for name, c in constraints.items()
            if c["index"] and not c["unique"] and c["columns"] == ["number"] and name.endswith("_like")]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _pattern_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or _pattern_indexes(schema_editor):
        return
    schema_editor.execute('CREATE INDEX "tickets_ticket_number_like" ON "tickets_ticket" ("number" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0005_saved_filter"),
    ]

    operations = [
        migrations.RunPython(drop, restore),
    ]
