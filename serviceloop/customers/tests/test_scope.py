"""customers/models.py customer_scope: the one rule of which organisations a user may see (SEC-2),
and the one visible_to it gives Organization, Contact, CustomerProduct, Ticket and organization_get."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from serviceloop.assets.models import CustomerProduct
from serviceloop.customers.models import EVERY_ORGANIZATION, Contact, Organization, customer_scope
from serviceloop.customers.selectors import organization_get
from serviceloop.tickets.models import Ticket


def test_staff_see_every_organisation_a_customer_only_their_own_and_nobody_logged_in_none(world):
    assert customer_scope(world.alice) is EVERY_ORGANIZATION
    assert customer_scope(world.carol) == (world.org_a.pk,)
    assert customer_scope(AnonymousUser()) == ()


def test_a_customer_tied_to_no_organisation_sees_nothing(world):
    world.carol.organization = None
    world.carol.save(update_fields=["organization"])
    world.carol.contact.delete()
    assert customer_scope(world.carol) == ()
    assert not Organization.objects.visible_to(world.carol).exists()


def test_every_organisation_scoped_model_follows_the_same_rule(world):
    world.ticket(org=world.org_a)
    world.ticket(org=world.org_b)
    for model in (Organization, Contact, CustomerProduct, Ticket):
        orgs = {getattr(row, "organization_id", row.pk) for row in model.objects.visible_to(world.carol)}
        assert orgs == {world.org_a.pk}, model
        assert not model.objects.visible_to(AnonymousUser()).exists(), model
        assert model.objects.visible_to(world.alice).count() == model.objects.count(), model


def test_the_organisation_read_of_the_create_path_follows_it_too(world):
    assert organization_get(user=world.carol, pk=world.org_a.pk) == world.org_a
    assert organization_get(user=world.carol, pk=world.org_b.pk) is None
    assert organization_get(user=world.alice, pk=world.org_b.pk) == world.org_b
    assert organization_get(user=AnonymousUser(), pk=world.org_a.pk) is None
