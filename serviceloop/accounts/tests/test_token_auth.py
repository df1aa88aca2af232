"""Token authentication reads the token, the user, roles and permissions in one statement."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceloop.accounts.models import APIToken, User
from serviceloop.accounts.selectors import token_match
from serviceloop.accounts.services import token_create, token_used
from tests.personas import STAFF


@pytest.mark.parametrize("username", [*STAFF, "carol"])
def test_a_token_gives_the_same_user_roles_and_permissions_as_the_database(world, username):
    _token, raw = token_create(user=world.users[username])
    with CaptureQueriesContext(connection) as queries:
        match = token_match(raw)
        roles, perms, customer = (
            match.user.role_codes,
            match.user.get_all_permissions(),
            match.user.is_customer,
        )
    fresh = User.objects.get(pk=world.users[username].pk)
    # One statement; a superuser's "every permission" is read from the permission table as well.
    assert len(queries) == (2 if fresh.is_superuser else 1)
    assert (roles, perms, customer) == (fresh.role_codes, fresh.get_all_permissions(), fresh.is_customer)
    assert perms and match.user.last_login == fresh.last_login and match.user.username == username


def test_a_permission_given_to_the_user_directly_counts_too(world):
    alice = world.alice
    alice.user_permissions.add(Permission.objects.get(codename="override_priority"))
    assert token_match(token_create(user=alice)[1]).user.has_perm("tickets.override_priority")


def test_a_revoked_token_or_an_inactive_user_matches_nothing(world):
    token, raw = token_create(user=world.alice)
    APIToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert token_match(raw) is None
    _token, other = token_create(user=world.eric)
    User.objects.filter(pk=world.eric.pk).update(is_active=False)
    assert token_match(other) is None
    assert token_match("sl_not-a-token") is None


def test_last_use_is_written_at_most_once_a_minute(world):
    token, raw = token_create(user=world.alice)
    token_used(token_match(raw))
    first = APIToken.objects.get(pk=token.pk).last_used_at
    match = token_match(raw)
    assert match.last_used_at == first
    with CaptureQueriesContext(connection) as queries:
        token_used(match)
    assert first is not None and len(queries) == 0
