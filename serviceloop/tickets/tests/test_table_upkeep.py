"""PostgreSQL keeps the ticket and SLA tables vacuumed often enough for index-only list reads."""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings
from django.db import connection

upkeep = importlib.import_module("serviceloop.tickets.migrations.0007_autovacuum_hot_tables")


@pytest.mark.django_db
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
def test_hot_tables_are_vacuumed_after_a_few_thousand_new_rows_not_a_fifth_of_the_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)", [list(upkeep.HOT_TABLES)]
        )
        options = {name: set(opts or []) for name, opts in cursor.fetchall()}
    expected = {f"{name}={value}" for name, value in upkeep.SETTINGS.items()}
    assert set(options) == {"tickets_ticket", "sla_ticketsla"}
    for table, table_options in options.items():
        assert expected <= table_options, table
