"""First-start setup, run by `serviceloop run` before it serves: the database brought up to date,
static files collected, demo data in an empty database, and the first administrator.

Every step finds its own work already done and then does nothing, so a restart costs only the
checks.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.management import call_command

from serviceloop.accounts.models import User
from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import user_create
from serviceloop.core.translations import compile_translations
from serviceloop.customers.models import Organization


def first_start(*, load_demo: bool, demo_tickets: int, out: Callable[[str], None]) -> str | None:
    """Bring an empty or older database up to date; returns the new admin's password, if one was made."""
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
