"""accounts: the one rule for who counts as service staff (work can be handed to them), as a property
of a user and as a query, and the callers that follow it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from serviceloop.accounts.models import User
from serviceloop.accounts.roles import Role
from serviceloop.core.errors import InvalidInput
from serviceloop.tickets.services import ticket_assign, ticket_set_co_handlers


@pytest.fixture
def system(world):
    user = User.objects.create_user("system-mail")
    user.groups.add(Group.objects.get(name=Role.INTEGRATION))
    return user


@pytest.fixture
def nobody(world):
    return User.objects.create_user("no-role")  # no role group, no organisation


@pytest.mark.usefixtures("nobody")
def test_staff_are_active_internal_people_not_customers_system_accounts_or_role_less_logins(world, system):
    superuser = User.objects.create_superuser("root", password="x-long-password-1")  # noqa: S106
    gone = User.objects.get(username="eric")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    expected = {"alice", "sam", "dora", "adam", "pete", "rita", "tom", "root"}
    assert set(User.objects.service_staff().values_list("username", flat=True)) == expected
    for user in User.objects.all():
        user = User.objects.get(pk=user.pk)  # a fresh copy: role_codes read again
        assert user.is_service_staff == (user.username in expected), user.username
    assert superuser.is_service_staff


def test_work_cannot_be_handed_to_a_system_account(world, system):
    ticket = world.ticket()
    with pytest.raises(InvalidInput):
        ticket_assign(ticket=ticket, actor=world.sam, owner=system)
    with pytest.raises(InvalidInput):
        ticket_set_co_handlers(ticket=ticket, actor=world.sam, users=[system])


def test_the_api_names_a_system_account_or_a_customer_an_unknown_user(world, api_as, system):
    ticket = world.ticket()
    sam = api_as("sam")
    for pk in (system.pk, world.carol.pk):
        response = sam.post(f"/api/v1/tickets/{ticket.number}/assign", {"owner_id": pk})
        assert response.status_code == 422, response.content
        assert response.json()["errors"][0]["field"] == "owner_id"
