"""The in-app notification centre's API (NTF-1): what the outbox's in-app channel writes, listed and marked
read per person; and the recorder of failed background jobs.

The rows are written when the outbox sends (after the commit that caused them); these tests call
`outbox.send_due()` themselves, since a test's transaction never commits.
"""

from __future__ import annotations

from serviceloop.core.jobs import record_failure
from serviceloop.core.models import JobFailure
from serviceloop.notifications import outbox
from serviceloop.notifications.models import Notification
from serviceloop.tickets import services as tickets


def assign_to_eric(world):
    ticket = world.ticket()
    tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric)
    outbox.send_due()
    return ticket


# --- in-app -------------------------------------------------------------------------------------------

def test_an_assignment_notifies_the_new_owner(world):
    ticket = assign_to_eric(world)
    note = Notification.objects.get()
    assert note.user == world.eric and note.kind == "assigned" and note.ticket == ticket
    assert ticket.number in note.title and note.read_at is None and note.delivery_id is not None


def test_reassigning_to_the_same_owner_or_to_nobody_notifies_nobody_new(world):
    ticket = assign_to_eric(world)
    tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric)
    tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=None)
    outbox.send_due()
    assert Notification.objects.count() == 1


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


# --- failed jobs -------------------------------------------------------------------------------------

def test_the_failure_recorder_keeps_what_an_administrator_needs(db):
    class Task:
        name = "serviceloop.notifications.tasks.send_deliveries"
        id = "7d5c2f0e-0000-4000-8000-000000000001"
        args = (42,)
        retries = 3

    record_failure("error", Task(), OSError("timed out"))
    failure = JobFailure.objects.get()
    assert (failure.task, failure.task_id, failure.arguments, failure.error, failure.retries_left) == (
        Task.name, Task.id, "(42,)", "OSError: timed out", 3)




# --- ids in the path ------------------------------------------------------------------------------------

def test_an_id_in_the_path_beyond_any_column_is_refused_like_everywhere_else(world, api_as):
    api, huge = api_as("adam"), 10**25
    for response in (api.get(f"notifications/deliveries/{huge}"),
                     api.post(f"notifications/deliveries/{huge}/resend", {}),
                     api.patch(f"notifications/robots/{huge}", {"name": "x"}),
                     api.patch(f"notifications/webhooks/{huge}", {"name": "x"}),
                     api.get(f"email/messages/{huge}/original")):
        assert response.status_code == 422, response.content
        assert response.json()["code"] == "invalid"


# --- robots and webhooks through the API: bad input -------------------------------------------------------

def test_a_robot_or_webhook_that_could_not_be_stored_is_refused_naming_the_field(world, api_as):
    # On PostgreSQL each of these was a 500 (NUL, a name longer than its column, an id beyond bigint, a group
    # that does not exist failing at commit); on SQLite a too-long name was stored.
    api = api_as("adam", "zh-hans")
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    cases = [
        ("robots", {"name": "值班\x00群", "url": url, "kind": "dingtalk"}, "name"),
        ("robots", {"name": "群" * 101, "url": url, "kind": "dingtalk"}, "name"),
        ("robots", {"name": "值班群", "url": url, "kind": "dingtalk", "team_ids": [10**25]}, "team_ids[0]"),
        ("robots", {"name": "值班群", "url": url, "kind": "dingtalk", "team_ids": [987654]}, "team_ids"),
        ("robots", {"name": "值班群", "url": url, "kind": "dingtalk", "is_active": "yes"}, "is_active"),
        ("webhooks", {"name": "ERP\x00", "url": "https://erp.example.cn/hook"}, "name"),
        ("webhooks", {"name": "ERP", "url": "https://erp.example.cn/hook", "secret": "s" * 501}, "secret"),
    ]
    for path, body, field in cases:
        response = api.post(f"notifications/{path}", body)
        assert response.status_code == 422, (body, response.content)
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
    assert (
        api.post("notifications/robots", {"name": "值班群", "url": url, "kind": "dingtalk"}).status_code
        == 201
    )
    from serviceloop.notifications.models import Robot, Webhook

    assert Robot.objects.count() == 1 and not Webhook.objects.exists()
