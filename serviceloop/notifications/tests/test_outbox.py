"""The outbox itself (NTF-3): one row per event, channel and recipient, written with the event, sent after
commit, claimed by one worker only, retried, resent by an administrator without a duplicate; and the
bad-input cases: 10,000 deliveries and two workers at once → nothing sent twice, nothing lost."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from serviceloop.core.errors import Conflict
from serviceloop.notifications import outbox, receivers
from serviceloop.notifications.models import Delivery, DeliveryAttempt, Notification, Webhook
from serviceloop.notifications.rules import Planned
from serviceloop.tickets.models import TicketEvent


def created_event(world, **kwargs):
    """A new ticket and its `created` event, with the deliveries the hooks already planned for it removed:
    these tests hand the event to the receiver (or rows to the outbox) themselves, to watch each step."""
    ticket = world.ticket(contact=world.contact_a, **kwargs)
    Delivery.objects.filter(ticket=ticket).delete()
    return TicketEvent.objects.get(ticket=ticket, kind="created"), ticket


def planned(
    n: int, *, ticket, channel: str = "webhook", webhook=None, prefix: str = "bench"
) -> list[Planned]:
    return [
        Planned(
            f"{prefix}:{i}",
            "created",
            channel,
            f"webhook:{webhook.pk}" if webhook else f"x{i}",
            ticket.pk,
            "zh-hans",
            webhook_id=webhook.pk if webhook else None,
            context={"event": "created"},
        )
        for i in range(n)
    ]


def test_enqueueing_the_same_event_twice_makes_one_delivery_per_channel_and_recipient(world):
    event, ticket = created_event(world)
    receivers.ticket_event_recorded(event, ticket)
    receivers.ticket_event_recorded(event, ticket)
    assert sorted(Delivery.objects.values_list("channel", "recipient")) == [
        ("email", "wang@example.cn"), ("inapp", f"user:{world.carol.pk}")]


def test_nothing_is_sent_before_the_commit_and_nothing_at_all_for_a_rollback(world, mailoutbox,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        world.ticket(contact=world.contact_a)  # its acknowledgement, by email and in-app
    assert len(callbacks) == 1  # one send job per transaction, however many rows
    assert not [m for m in mailoutbox if "我们已收到" in m.subject]
    for callback in callbacks:
        callback()  # the commit: Huey runs the job at once in the tests
    assert [m.to for m in mailoutbox if "我们已收到" in m.subject] == [["wang@example.cn"]]
    assert Delivery.objects.filter(status="sent").count() == 2

    other_event, other = created_event(world)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                receivers.ticket_event_recorded(other_event, other)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert not Delivery.objects.filter(ticket=other).exists()


def test_a_commit_while_a_send_job_waits_queues_no_other_and_the_waiting_job_sends_its_mail(
        world, mailoutbox, monkeypatch, django_capture_on_commit_callbacks):
    from huey.contrib.djhuey import HUEY

    from serviceloop.notifications import tasks

    queued, real_job = [], tasks.send_deliveries
    monkeypatch.setattr(tasks, "send_deliveries", lambda: queued.append("job"))
    HUEY.put(outbox.SEND_REQUESTED, "1")  # a job is queued and has not started
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            world.ticket(contact=world.contact_a)
        assert len(callbacks) == 1 and queued == []  # the waiting job will claim this commit's rows
        assert Delivery.objects.filter(status="pending").count() == 2
        real_job()  # the waiting job runs: it clears the flag, then sends
        assert [m.to for m in mailoutbox if "我们已收到" in m.subject] == [["wang@example.cn"]]
        assert Delivery.objects.filter(status="sent").count() == 2
        assert HUEY.get(outbox.SEND_REQUESTED, peek=True) is None
        outbox._send_after_commit()  # a commit after the job started asks for a job of its own
        outbox._send_after_commit()  # and the next one, while that job waits, does not
        assert queued == ["job"]
    finally:
        HUEY.delete(outbox.SEND_REQUESTED)


def test_a_flag_left_without_its_job_is_cleared_by_the_sweep_which_sends_meanwhile(
        world, mailoutbox, django_capture_on_commit_callbacks):
    from huey.contrib.djhuey import HUEY

    from serviceloop.notifications import tasks

    HUEY.put(outbox.SEND_REQUESTED, "1")  # the process died after setting it, before queueing the job
    try:
        with django_capture_on_commit_callbacks(execute=True):
            world.ticket(contact=world.contact_a)
        assert Delivery.objects.filter(status="pending").count() == 2  # no job was asked for
        tasks.sweep_deliveries()
        assert Delivery.objects.filter(status="sent").count() == 2
        assert HUEY.get(outbox.SEND_REQUESTED, peek=True) is None  # after-commit jobs again
    finally:
        HUEY.delete(outbox.SEND_REQUESTED)


def test_a_batch_smaller_than_the_limit_ends_the_run_without_an_empty_claim(world, monkeypatch):
    _event, ticket = created_event(world)
    outbox.enqueue(planned(7, ticket=ticket, channel="inapp"))
    claims = []
    real_claim = outbox.claim
    monkeypatch.setattr(outbox, "claim", lambda **kw: claims.append(kw["limit"]) or real_claim(**kw))
    assert outbox.send_all_due(batch=5).claimed == 7
    assert claims == [5, 5]  # 5 claimed (a full batch: look again), then 2 (fewer than 5: done)


def test_two_claims_never_take_the_same_row(world):
    _event, ticket = created_event(world)
    outbox.enqueue(planned(30, ticket=ticket, channel="email"))
    now = timezone.now()
    first = outbox.claim(now=now, limit=20)
    second = outbox.claim(now=now, limit=20)
    assert len(first) == 20 and len(second) == 10
    assert not {i for i, _n in first} & {i for i, _n in second}
    assert outbox.claim(now=now, limit=20) == []


def test_a_worker_that_died_while_sending_leaves_the_row_to_the_next_one_after_its_lease(world, settings):
    settings.NOTIFY_LEASE_SECONDS = 60
    event, ticket = created_event(world)
    receivers.ticket_event_recorded(event, ticket)
    now = timezone.now()
    taken = outbox.claim(now=now, limit=10)  # … and the worker dies here
    assert len(taken) == 2
    assert outbox.send_due(now=now + timedelta(seconds=30)).claimed == 0  # still leased
    report = outbox.send_due(now=now + timedelta(seconds=61))
    assert report.sent == 2
    assert Notification.objects.filter(user=world.carol).count() == 1
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {2}


def test_a_late_worker_cannot_overwrite_what_the_next_one_recorded(world, settings):
    """The attempt number fences the outcome: a worker whose lease ran out records nothing."""
    event, ticket = created_event(world)
    receivers.ticket_event_recorded(event, ticket)
    now = timezone.now()
    stale = dict(outbox.claim(now=now, limit=10))
    outbox.send_due(now=now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS + 1))
    rows = list(Delivery.objects.filter(pk__in=stale))
    from serviceloop.notifications.transports import Result

    for row in rows:
        row.attempts = stale[row.pk]
    outbox._record(
        [(row, Result(ok=False, error="too late"), now, 5) for row in rows], outbox.SendReport(), now
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.filter(user=world.carol).count() == 1


def test_an_inapp_delivery_makes_exactly_one_notification(world):
    event, ticket = created_event(world)
    receivers.ticket_event_recorded(event, ticket)
    outbox.send_due()
    delivery = Delivery.objects.get(channel="inapp")
    note = Notification.objects.get(user=world.carol)
    assert note.delivery == delivery and note.ticket == ticket and note.kind == "acknowledged"
    assert ticket.number in note.title and note.read_at is None


def test_resend_puts_a_dead_delivery_back_without_a_second_row(world, recorder, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    hook = Webhook(name="ERP")
    hook.url, hook.secret = f"{recorder.url}/hook/erp", "s"
    hook.save()
    recorder.on("/hook", status=500, times=1)
    event, ticket = created_event(world)
    receivers.ticket_event_recorded(event, ticket)
    outbox.send_due()
    dead = Delivery.objects.get(channel="webhook")
    assert dead.status == "dead"
    with pytest.raises(Conflict):
        outbox.delivery_resend(deliveries=[Delivery.objects.get(channel="email").pk])  # sent: refused
    assert outbox.delivery_resend(deliveries=[dead.pk]) == 1
    outbox.send_due()
    dead.refresh_from_db()
    assert dead.status == "sent" and Delivery.objects.filter(channel="webhook").count() == 1
    assert [a.status_code for a in DeliveryAttempt.objects.filter(delivery=dead)] == [500, 200]
    assert len({r.headers["x-serviceloop-delivery"] for r in recorder.to("/hook")}) == 1


def test_a_rule_that_fails_sends_nothing_but_never_undoes_the_ticket_change(world, monkeypatch, caplog):
    from serviceloop.notifications import rules

    def broken(event, ticket):
        raise KeyError("a bug in a rule")

    monkeypatch.setattr(rules, "for_ticket_event", broken)
    event, ticket = created_event(world)
    assert receivers.ticket_event_recorded(event, ticket) == 0
    assert "notification rule" in caplog.text


def test_ten_thousand_deliveries_are_each_sent_exactly_once(world, recorder, settings):
    """Bad input: 10,000 deliveries in the queue; batches until done; nothing twice, nothing lost."""
    settings.NOTIFY_BATCH_SIZE = 500
    hook = Webhook(name="bulk")
    hook.url, hook.secret = f"{recorder.url}/hook/bulk", "s"
    hook.save()
    _event, ticket = created_event(world)
    outbox.enqueue(planned(10_000, ticket=ticket, webhook=hook))
    outbox.enqueue(planned(10_000, ticket=ticket, webhook=hook))  # the same again: ignored
    assert Delivery.objects.filter(channel="webhook").count() == 10_000
    total = outbox.send_all_due(max_seconds=600)
    assert total.sent == 10_000 and total.failed == total.dead == 0
    ids = [r.headers["x-serviceloop-delivery"] for r in recorder.to("/hook/bulk")]
    assert len(ids) == len(set(ids)) == 10_000
    assert set(ids) == {
        str(u) for u in Delivery.objects.filter(channel="webhook").values_list("public_id", flat=True)
    }
    assert DeliveryAttempt.objects.filter(delivery__channel="webhook").count() == 10_000


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_delivery_exactly_once(recorder, monkeypatch):
    from tests.personas import build_world

    # No after-commit job here (Huey runs jobs at once in the tests): the two workers below do all the work.
    monkeypatch.setattr(outbox, "request_send", lambda: None)
    world = build_world()
    ticket = world.ticket(contact=world.contact_a)
    Delivery.objects.filter(ticket=ticket).delete()  # its acknowledgement: not what this test counts
    hook = Webhook(name="two workers")
    hook.url, hook.secret = f"{recorder.url}/hook/two", "s"
    hook.save()
    outbox.enqueue(planned(2_000, ticket=ticket, webhook=hook))
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            reports.append(outbox.send_all_due(max_seconds=120, batch=50))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    assert all(r.sent > 0 for r in reports), reports  # both really worked
    assert sum(r.sent for r in reports) == 2_000
    ids = [r.headers["x-serviceloop-delivery"] for r in recorder.to("/hook/two")]
    assert len(ids) == len(set(ids)) == 2_000
    assert set(Delivery.objects.filter(channel="webhook").values_list("status", flat=True)) == {"sent"}
    assert connection.vendor == "postgresql"
