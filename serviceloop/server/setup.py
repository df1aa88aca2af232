"""First-start setup, run by `serviceloop run` before it serves: the database brought up to date,
static files collected, demo data in an empty database, and the first administrator.

Every step finds its own work already done and then does nothing, so a restart costs only the
checks. Several servers may start at once (a rolling deploy, two machines on one PostgreSQL): the
whole setup runs under one lock (`start_lock`), so the second waits, then finds the work done —
two concurrent `migrate` runs on a fresh PostgreSQL database crashed one of them every time
(IntegrityError on pg_type_typname_nsp_index, issue #9).
"""

from __future__ import annotations

import contextlib
import fcntl
import secrets
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from serviceloop.accounts.models import User
from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import user_create
from serviceloop.core.translations import compile_translations
from serviceloop.customers.models import Organization

# Any fixed number works as long as nothing else on the server takes the same one: "服务" as bytes.
ADVISORY_LOCK_KEY = 0x6D_8D_E5_8A_A1


@contextlib.contextmanager
def start_lock(out: Callable[[str], None] = lambda _line: None) -> Iterator[None]:
    """Hold the start-up lock: a PostgreSQL session advisory lock (every machine on the database), or
    an exclusive file lock in the data directory beside the SQLite file. Released on leaving, or by
    the server / the kernel if this process dies, so a crashed start never blocks the next one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            if not cursor.fetchone()[0]:
                out("Another server is setting up the database; waiting for it …")
                cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    with open(settings.DATA_DIR / "start.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            out("Another server is setting up the database; waiting for it …")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def first_start(*, load_demo: bool, demo_tickets: int, out: Callable[[str], None]) -> str | None:
    """Bring an empty or older database up to date; returns the new admin's password, if one was made."""
    with start_lock(out):
        compile_translations()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if load_demo and not Organization.objects.exists():
            out("Empty database: loading demo data …")
            call_command("demo", tickets=demo_tickets)
        return ensure_admin()


def ensure_admin() -> str | None:
    """Create the first administrator and return its password once; later starts return None."""
    if User.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    user_create(username="admin", password=password, role=Role.ADMIN, display_name="管理员",
                check_password=False)
    return password
