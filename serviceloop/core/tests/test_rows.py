"""core/rows.py writes and reads single rows exactly as the ORM would, with SQL composed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceloop.core import rows
from serviceloop.customers.models import Organization
from serviceloop.customers.selectors import organization_get
from serviceloop.sla.models import TicketSLA
from serviceloop.sla.services.policies import default_version
from serviceloop.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _orm_row(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def test_it_inserts_a_row_the_orm_reads_back_unchanged(world):
    ticket = Ticket.objects.get(pk=world.ticket().pk)
    event = TicketEvent(
        ticket=ticket,
        kind="note",
        actor=world.alice,
        created_at=timezone.now(),
        is_public=False,
        body="内部备注：已联系厂家",
        data={"步骤": ["重启", "换电源"], "n": 2},
    )

    with CaptureQueriesContext(connection) as queries:
        rows.insert(event)

    assert len(queries) == 1
    assert event.pk is not None and not event._state.adding and event._state.db == "default"
    stored = TicketEvent.objects.get(pk=event.pk)
    assert (stored.ticket_id, stored.kind, stored.actor_id, stored.is_public, stored.body, stored.data) == (
        ticket.pk,
        "note",
        world.alice.pk,
        False,
        "内部备注：已联系厂家",
        {"步骤": ["重启", "换电源"], "n": 2},
    )
    assert stored.created_at == event.created_at


def test_it_fills_in_field_defaults_like_save(world):
    # A ticket built with only what ticket_create sets: every other column takes its model default.
    ticket = Ticket(number="TEST-0001", title="默认值", description="检查默认值", organization=world.org_b,
                    created_by=world.alice, created_at=timezone.now(), updated_at=timezone.now())
    rows.insert(ticket)

    twin = Ticket(number="TEST-0002", title="默认值", description="检查默认值", organization=world.org_b,
                  created_by=world.alice, created_at=ticket.created_at, updated_at=ticket.updated_at)
    twin.save(force_insert=True)

    mine, theirs = _orm_row(Ticket, ticket.pk), _orm_row(Ticket, twin.pk)
    for different in ("id", "number"):
        mine.pop(different), theirs.pop(different)
    assert mine == theirs


def test_it_writes_a_row_whose_primary_key_is_given(world):
    # TicketSLA's primary key is the ticket: no RETURNING, the given key is kept.
    ticket = world.ticket()
    TicketSLA.objects.filter(ticket=ticket).delete()
    due = timezone.now() + timedelta(hours=4)
    clock = TicketSLA(ticket=ticket, version=default_version(), started_at=timezone.now(), resolution_due=due)

    rows.insert(clock)

    stored = TicketSLA.objects.get(ticket=ticket)
    assert clock.pk == ticket.pk
    assert stored.resolution_due == due and stored.breached is False


def test_auto_now_fields_are_set_on_insert(world):
    with time_machine.travel("2026-05-06 10:00:00+08:00", tick=False):
        org = rows.insert(Organization(name="深圳新能源科技有限公司"))
    stored = Organization.objects.get(pk=org.pk)
    assert stored.created_at == stored.updated_at == datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


def test_a_duplicate_is_refused_by_the_database_like_the_orm(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(Organization(name=world.org_a.name))
    assert Organization.objects.filter(name=world.org_a.name).count() == 1


def test_it_reads_a_row_by_primary_key_as_the_orm_does(world):
    with CaptureQueriesContext(connection) as queries:
        org = rows.get_by_pk(Organization, world.org_a.pk)

    assert len(queries) == 1
    orm = Organization.objects.get(pk=world.org_a.pk)
    assert {f.attname: getattr(org, f.attname) for f in Organization._meta.concrete_fields} == {
        f.attname: getattr(orm, f.attname) for f in Organization._meta.concrete_fields}
    assert not org._state.adding and org._state.db == "default"
    assert rows.get_by_pk(Organization, 987654321) is None


def test_it_converts_booleans_and_times_from_the_database(world):
    # SQLite hands back 0/1 and text; the instance must hold real booleans and aware datetimes.
    ticket = world.ticket(expedite=True)
    read = rows.get_by_pk(Ticket, ticket.pk)
    assert read.expedite is True and read.business_interrupted is False
    assert read.created_at == Ticket.objects.get(pk=ticket.pk).created_at
    assert timezone.is_aware(read.created_at)


def test_staff_may_read_any_organisation(world):
    assert organization_get(user=world.alice, pk=world.org_b.pk) == world.org_b
    assert organization_get(user=world.alice, pk=987654321) is None


def test_a_customer_reads_only_their_own_organisation(world):
    assert organization_get(user=world.carol, pk=world.org_a.pk) == world.org_a
    assert organization_get(user=world.carol, pk=world.org_b.pk) is None
    assert organization_get(user=world.bob, pk=world.org_a.pk) is None


def test_organization_get_agrees_with_visible_to_for_every_persona(world):
    for user in world.users.values():
        for org in (world.org_a, world.org_b):
            visible = Organization.objects.visible_to(user).filter(pk=org.pk).exists()
            assert (organization_get(user=user, pk=org.pk) is not None) == visible, (user.username, org.name)


def test_an_unsaved_related_object_is_refused_like_save_and_nothing_is_written(world):
    before = Ticket.objects.count()
    stranger = Organization(name="未保存的单位")
    with pytest.raises(ValueError, match="unsaved related object"):
        rows.insert(Ticket(number="TEST-0003", title="x", description="y", organization=stranger,
                           created_by=world.alice, created_at=timezone.now(), updated_at=timezone.now()))
    assert Ticket.objects.count() == before


def test_a_related_object_saved_after_it_was_assigned_gives_its_new_key(world):
    org = Organization(name="后保存的单位")
    ticket = Ticket(number="TEST-0004", title="x", description="y", organization=org, created_by=world.alice,
                    created_at=timezone.now(), updated_at=timezone.now())
    org.save()
    rows.insert(ticket)
    assert Ticket.objects.get(number="TEST-0004").organization_id == org.pk


def test_a_key_beyond_any_integer_column_finds_nothing(world):
    assert rows.get_by_pk(Organization, 10**20) is None
    assert rows.get_by_pk(Organization, -(10**20)) is None
