"""Notifications (NTF-1, minimal): an in-app row per person per event, listed and marked read through
the API, and an email sent once through the Huey job after the transaction commits. A job that fails
is recorded as a core.JobFailure for administrators.

Tests that go through Huey say so with the `huey_immediate` fixture (jobs run at once, in this
thread, on in-memory storage; the suite's conftest may already switch that on for every test); the
others call the task's function directly with `call_local`. In immediate mode Huey still catches a
failing task and fires SIGNAL_ERROR, so core.jobs.record_failure is exercised end to end.
"""

from __future__ import annotations

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from huey.contrib.djhuey import HUEY

from serviceloop.core.jobs import record_failure
from serviceloop.core.models import JobFailure
from serviceloop.notifications.models import Notification
from serviceloop.notifications.services import notify
from serviceloop.notifications.tasks import send_notification_email
from serviceloop.tickets import services as tickets


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise OSError("connection refused by smtp.example.cn")


@pytest.fixture
def huey_immediate():
    """Run enqueued jobs at once, in this thread, on in-memory storage (never var/jobs.sqlite3)."""
    was = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = was


@pytest.fixture
def eric_with_email(world):
    world.eric.email = "eric@example.cn"
    world.eric.save(update_fields=["email"])
    return world.eric


def assign_to_eric(world):
    ticket = world.ticket()
    tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric)
    return ticket


# --- in-app -------------------------------------------------------------------------------------------

def test_an_assignment_notifies_the_new_owner(world):
    ticket = assign_to_eric(world)
    note = Notification.objects.get()
    assert note.user == world.eric and note.kind == "assigned" and note.ticket == ticket
    assert ticket.number in note.title and note.read_at is None and note.emailed_at is None


def test_reassigning_to_the_same_owner_or_to_nobody_notifies_nobody_new(world):
    ticket = assign_to_eric(world)
    tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric)
    tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=None)
    assert Notification.objects.count() == 1


def test_notify_skips_nobody_inactive_users_and_duplicates(world):
    world.dora.is_active = False
    world.dora.save(update_fields=["is_active"])
    ticket = world.ticket()
    rows = notify(users=[world.sam, None, world.sam, world.dora, world.eric], kind="breach", ticket=ticket,
                  title=lambda: f"[{ticket.number}] 超时", body="正文")
    assert sorted(r.user.username for r in rows) == ["eric", "sam"]
    assert Notification.objects.count() == 2


def test_the_owner_lists_their_notifications_with_the_unread_count(world, api_as):
    first, second = assign_to_eric(world), assign_to_eric(world)
    response = api_as("eric").get("notifications")
    assert response.status_code == 200
    body = response.json()
    assert body["unread"] == 2 and body["next_cursor"] is None
    assert [n["ticket_number"] for n in body["items"]] == [second.number, first.number]  # newest first
    assert all(n["kind"] == "assigned" and n["read_at"] is None for n in body["items"])
    assert api_as("sam").get("notifications").json() == {"items": [], "next_cursor": None, "unread": 0}


def test_marking_one_read_then_all_read(world, api_as):
    assign_to_eric(world)
    assign_to_eric(world)
    assign_to_eric(world)
    api = api_as("eric")
    newest = api.get("notifications").json()["items"][0]["id"]
    response = api.post(f"notifications/{newest}/read")
    assert response.status_code == 200 and response.json() == {"marked": 1}
    assert api.post(f"notifications/{newest}/read").json() == {"marked": 0}  # already read
    listed = api.get("notifications").json()
    assert listed["unread"] == 2 and listed["items"][0]["read_at"] is not None
    assert [n["id"] for n in api.get("notifications", {"unread_only": True}).json()["items"]] == [
        n["id"] for n in listed["items"][1:]]
    assert api.post("notifications/read-all").json() == {"marked": 2}
    assert api.get("notifications").json()["unread"] == 0
    assert api.post("notifications/read-all").json() == {"marked": 0}


def test_another_users_notification_is_404(world, api_as):
    assign_to_eric(world)
    note = Notification.objects.get()
    response = api_as("sam").post(f"notifications/{note.pk}/read")
    assert response.status_code == 404
    assert api_as("carol").post(f"notifications/{note.pk}/read").status_code == 404
    assert api_as("eric").post("notifications/999999/read").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_read_all_touches_only_ones_own_notifications(world, api_as):
    assign_to_eric(world)
    assert api_as("sam").post("notifications/read-all").json() == {"marked": 0}
    assert Notification.objects.get().read_at is None


# --- email ---------------------------------------------------------------------------------------------

def test_the_email_goes_out_through_the_job_after_commit(world, eric_with_email, huey_immediate, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = assign_to_eric(world)
    assert not [m for m in mailoutbox if m.to == ["eric@example.cn"]]  # nothing before the commit
    for callback in callbacks:
        callback()
    [mail] = [m for m in mailoutbox if m.to == ["eric@example.cn"]]
    note = Notification.objects.get(user=world.eric)
    assert mail.subject == note.title and ticket.number in mail.subject
    assert note.emailed_at is not None


def test_users_without_an_email_address_get_no_email(world, huey_immediate, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assign_to_eric(world)
    assert not [m for m in mailoutbox if m.to != ["wang@example.cn"]]  # only carol's ticket receipt
    assert Notification.objects.get().emailed_at is None


def test_an_email_is_sent_once_even_if_the_job_runs_twice(world, eric_with_email, mailoutbox):
    assign_to_eric(world)
    note = Notification.objects.get(user=world.eric)
    mailoutbox.clear()
    send_notification_email.call_local(note.pk)
    send_notification_email.call_local(note.pk)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["eric@example.cn"]


def test_a_failing_mail_server_leaves_the_email_unsent_and_records_the_job_failure(
        world, eric_with_email, huey_immediate, settings, mailoutbox):
    assign_to_eric(world)
    note = Notification.objects.get(user=world.eric)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    send_notification_email(note.pk)  # immediate mode: runs now; Huey catches the error and signals it
    note.refresh_from_db()
    assert note.emailed_at is None  # the claim rolled back, so the retry will send
    failure = JobFailure.objects.get()
    assert "send_notification_email" in failure.task
    assert failure.error == "OSError: connection refused by smtp.example.cn"
    assert str(note.pk) in failure.arguments
    assert failure.retries_left == 5

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_notification_email.call_local(note.pk)  # the retry
    note.refresh_from_db()
    assert note.emailed_at is not None and len(mailoutbox) == 1


def test_the_failure_recorder_keeps_what_an_administrator_needs(db):
    class Task:
        name = "serviceloop.notifications.tasks.send_notification_email"
        id = "7d5c2f0e-0000-4000-8000-000000000001"
        args = (42,)
        retries = 3

    record_failure("error", Task(), OSError("timed out"))
    failure = JobFailure.objects.get()
    assert (failure.task, failure.task_id, failure.arguments, failure.error, failure.retries_left) == (
        Task.name, Task.id, "(42,)", "OSError: timed out", 3)


def test_a_rolled_back_notification_sends_nothing_and_later_ones_still_go(world, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    from django.db import transaction

    from serviceloop.notifications.services import notify

    for user in (world.alice, world.eric):
        user.email = f"{user.username}@example.cn"
        user.save(update_fields=["email"])
    ticket = world.ticket()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(users=[world.alice], kind="escalated", ticket=ticket, title="rolled back")
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        notify(users=[world.eric], kind="escalated", ticket=ticket, title="committed")
    assert [(m.to, m.subject) for m in mailoutbox] == [(["eric@example.cn"], "committed")]
