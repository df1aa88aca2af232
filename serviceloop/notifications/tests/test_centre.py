"""The notification centre in the web workspace: the bell's count, the list, mark read, links to tickets,
and the settings page (NTF-1)."""

from __future__ import annotations

from django.test import Client

from serviceloop.notifications.models import Notification, Preference
from tests.personas import PASSWORD


def login(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def notes(world, user, count):
    ticket = world.ticket()
    return [
        Notification.objects.create(
            user=user, kind="assigned", ticket=ticket, title=f"[#{ticket.number}] 第 {i} 条"
        )
        for i in range(count)
    ]


def test_the_bell_counts_the_unread_ones(world):
    notes(world, world.eric, 3)
    notes(world, world.sam, 1)
    page = login("eric").get("/notifications/bell/").content.decode()
    assert '<span class="bell-count">3</span>' in page and "通知，3 条未读" in page
    assert "bell-count" not in login("alice").get("/notifications/bell/").content.decode()
    assert Client().get("/notifications/bell/").status_code == 302  # to the login page


def test_the_bell_stops_counting_at_99(world):
    notes(world, world.eric, 105)
    assert '<span class="bell-count">99+</span>' in login("eric").get("/notifications/bell/").content.decode()


def test_every_page_has_the_bell_that_loads_itself(world):
    page = login("eric").get("/").content.decode()
    assert 'id="notification-bell"' in page and 'hx-get="/notifications/bell/"' in page


def test_the_list_links_to_the_tickets_and_pages_by_cursor(world):
    made = notes(world, world.eric, 25)
    client = login("eric")
    first = client.get("/notifications/").content.decode()
    assert made[-1].title in first and made[0].title not in first
    assert f'href="/tickets/{made[0].ticket.number}/"' in first
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(f"/notifications/{older}").content.decode()
    assert made[0].title in second and made[-1].title not in second


def test_marking_one_and_all_read(world):
    mine = notes(world, world.eric, 3)
    theirs = notes(world, world.sam, 1)[0]
    client = login("eric")
    assert client.post(f"/notifications/{mine[0].pk}/read/", {"next": "/notifications/?unread=1"}).url == \
        "/notifications/?unread=1"
    assert Notification.objects.filter(user=world.eric, read_at__isnull=True).count() == 2
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404  # someone else's
    assert client.post("/notifications/read/", {"next": "https://evil.example/"}).status_code == 404
    response = client.post("/notifications/read-all/", {"next": "https://evil.example/"})
    assert response.url == "/notifications/"  # never off-site
    assert not Notification.objects.filter(user=world.eric, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "没有未读通知。" in client.get("/notifications/?unread=1").content.decode()


def test_the_settings_page_saves_each_persons_choices(world):
    client = login("eric")
    page = client.get("/notifications/settings/").content.decode()
    assert 'name="assigned:email" id="pref-assigned-email" checked' in page
    assert 'name="replied:email"' not in page  # a customer's kind: not offered to staff
    response = client.post("/notifications/settings/", {"assigned:inapp": "on", "escalated:inapp": "on"})
    assert response.status_code == 302
    assert Preference.objects.get(user=world.eric, kind="assigned", channel="email").enabled is False
    assert Preference.objects.get(user=world.eric, kind="assigned", channel="inapp").enabled is True
    carol = login("carol").get("/notifications/settings/").content.decode()
    assert 'name="replied:email"' in carol and 'name="assigned:email"' not in carol
