"""Issue #9, finding 2: two servers starting at once on a fresh database both come up.

Two processes run the first-start setup (migrate, collectstatic, demo data, first admin) at the same
moment, on the suite's engine: a fresh PostgreSQL database of its own when the suite runs on
PostgreSQL (where two `migrate` runs crashed one of them every time), else a fresh SQLite data
directory. Both must succeed; the admin is created once and the demo data loaded once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
SETUP = (
    "import sys\n"
    "from serviceloop.server.setup import first_start\n"
    "password = first_start(load_demo=True, demo_tickets=5, out=lambda line: print(line, flush=True))\n"
    "print('ADMIN-CREATED' if password else 'ADMIN-EXISTED')\n"
)
COUNT = (
    "from serviceloop.accounts.models import User\n"
    "from serviceloop.customers.models import Organization\n"
    "from serviceloop.tickets.models import Ticket\n"
    "print(User.objects.filter(is_superuser=True).count(), Organization.objects.count(), "
    "Ticket.objects.count())\n"
)


def _python(code: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "shell", "-c", code], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def fresh_database(tmp_path):
    """The environment of a server on a database nobody has migrated yet; dropped afterwards."""
    env = {**os.environ, "SERVICELOOP_DATA_DIR": str(tmp_path / "data"), "JOBS_IMMEDIATE": "1"}
    env.pop("TEST_DATABASE_NAME", None)
    if not settings.IS_POSTGRES:
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg

    base = settings.DATABASES["default"]
    name = f"{base['NAME']}_start_{uuid.uuid4().hex[:8]}"[:63]
    server = {"host": base["HOST"] or "127.0.0.1", "port": base["PORT"] or 5432, "user": base["USER"],
              "password": base["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{base['PASSWORD']}" if base["PASSWORD"] else ""
    env["DATABASE_URL"] = f"postgres://{base['USER']}{password}@{server['host']}:{server['port']}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(**server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_servers_starting_at_once_on_a_fresh_database_both_come_up(fresh_database):
    starts = [_python(SETUP, fresh_database) for _ in range(2)]
    outputs = []
    for process in starts:
        output = process.communicate(timeout=300)[0]
        outputs.append(output)
        assert process.returncode == 0, output
    assert sorted(o.strip().splitlines()[-1] for o in outputs) == ["ADMIN-CREATED", "ADMIN-EXISTED"], outputs
    assert sum("loading demo data" in o for o in outputs) == 1, outputs
    counted = _python(COUNT, fresh_database)
    admins, organisations, tickets = map(
        int, counted.communicate(timeout=120)[0].strip().splitlines()[-1].split()
    )
    assert admins == 1
    assert organisations > 0 and tickets >= 5

    # A third start later finds everything done and changes nothing.
    again = _python(SETUP, fresh_database)
    assert again.communicate(timeout=300)[0].strip().splitlines()[-1] == "ADMIN-EXISTED"
    assert _python(COUNT, fresh_database).communicate(timeout=120)[0].strip().splitlines()[-1] == \
        f"{admins} {organisations} {tickets}"
