"""Who hears what (rules.py), with real events written by the real services: the hooks hand each event and
SLA alert to the receivers (notifications/apps.py), as in production (COM-2, COM-3, COM-4, INT-7, ASN-3..6,
NTF-1..2)."""

from __future__ import annotations

from django.utils import timezone

from serviceloop.accounts.models import Team
from serviceloop.notifications import outbox, receivers
from serviceloop.notifications.models import Delivery, Notification, Preference
from serviceloop.notifications.rules import for_ticket_event
from serviceloop.sla.alerts import SlaAlert
from serviceloop.sla.services.escalation import ticket_escalate
from serviceloop.tickets import services
from tests.personas import resolve_ticket


def deliveries(ticket, **filters):
    return sorted(
        Delivery.objects.filter(ticket=ticket, **filters).values_list("kind", "channel", "recipient")
    )


def subjects(smtp, address):
    return [str(m.message["Subject"]).strip() for m in smtp.to(address)]


def acknowledged_only(ticket):
    """The deliveries a new ticket with a contact gets at once: the INT-7 acknowledgement (email, in-app)."""
    return [d for d in deliveries(ticket) if d[0] == "acknowledged"]


def test_internal_notes_communications_and_internal_statuses_never_reach_the_customer(world, smtp):
    ticket = world.ticket(contact=world.contact_a)
    note = services.ticket_add_internal_note(ticket=ticket, actor=world.eric, body="内部机密：批次缺陷")
    talk = services.ticket_log_communication(
        ticket=ticket,
        actor=world.alice,
        channel="phone",
        happened_at=None,
        customer_feedback="内部机密：客户情绪激动",
        next_step="回电",
    )
    assert for_ticket_event(note, ticket) == [] and for_ticket_event(talk, ticket) == []
    services.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress",
                               sub_status="shipped", note="内部机密：走加急物流")
    outbox.send_due()
    [mail] = [m for m in smtp.to("wang@example.cn") if "配件已发出" in str(m.message["Subject"])]
    assert "内部机密" not in mail.raw.decode("utf-8")
    assert not Notification.objects.filter(body__contains="内部机密").exists()


def test_a_staff_reply_goes_to_the_contact_and_a_customer_reply_to_the_owner(world):
    ticket = world.ticket(contact=world.contact_a)
    # The hooks hand the rules the ticket the service holds (fresh, under its lock): so do the tests.
    ticket = services.ticket_assign(ticket=ticket, actor=world.sam, owner=world.eric)
    ticket = services.ticket_set_co_handlers(ticket=ticket, actor=world.sam, users=[world.tom])
    event = services.ticket_add_reply(ticket=ticket, actor=world.eric, body="您好，工程师已开始排查")
    receivers.ticket_event_recorded(event, ticket)  # the hook did it already: a second report adds nothing
    assert deliveries(ticket, kind="replied") == [("replied", "email", "wang@example.cn"),
                                                  ("replied", "inapp", f"user:{world.carol.pk}")]
    services.ticket_add_reply(ticket=ticket, actor=world.carol, body="还是不行，屏幕依旧黑屏")
    assert deliveries(ticket, kind="customer_replied") == [
        ("customer_replied", "inapp", f"user:{world.eric.pk}"),
        ("customer_replied", "inapp", f"user:{world.tom.pk}"),
    ]
    outbox.send_due()
    note = Notification.objects.get(user=world.eric, kind="customer_replied")
    assert "还是不行" in note.body and ticket.number in note.title


def test_the_new_owner_hears_of_the_assignment_by_the_channels_they_chose(world, mailoutbox):
    world.eric.email = "eric@example.cn"
    world.eric.save(update_fields=["email"])
    ticket = world.ticket()
    services.ticket_assign(ticket=ticket, actor=world.sam, owner=world.eric)
    assert deliveries(ticket) == [("assigned", "email", "eric@example.cn"),
                                  ("assigned", "inapp", f"user:{world.eric.pk}")]
    Preference.objects.create(user=world.eric, kind="assigned", channel="email", enabled=False)
    other = world.ticket()
    services.ticket_assign(ticket=other, actor=world.sam, owner=world.eric)
    assert deliveries(other) == [("assigned", "inapp", f"user:{world.eric.pk}")]
    services.ticket_assign(ticket=other, actor=world.sam, owner=None)  # unassigned: nobody to tell
    assert len(deliveries(other)) == 1


def test_resolution_and_the_repair_milestone_reach_the_contact(world, smtp):
    ticket = world.ticket(contact=world.contact_a)
    services.ticket_transition(
        ticket=ticket, actor=world.eric, to_status="in_progress", sub_status="repaired"
    )
    resolve_ticket(ticket, world.eric)
    outbox.send_due()
    assert subjects(smtp, "wang@example.cn") == [
        f"[#{ticket.number}] 我们已收到您的问题", f"[#{ticket.number}] 维修完成：{ticket.title}",
        f"[#{ticket.number}] 已解决，请确认：{ticket.title}"]


def test_a_manual_escalation_tells_whom_it_went_to_once_whichever_side_reports_it(world, sms_on):
    world.tom.phone = "13900001111"
    world.tom.save(update_fields=["phone"])
    ticket = world.ticket(urgency="critical")  # critical: SMS too
    escalation = ticket_escalate(
        ticket=ticket, actor=world.alice, reason="需研发部评估固件缺陷", to=world.tom
    )
    receivers.sla_alert(
        SlaAlert.DIRECTOR, ticket, recipients=[world.tom], escalation=escalation
    )  # the same one
    assert deliveries(ticket, kind="escalated") == [("escalated", "inapp", f"user:{world.tom.pk}"),
                                                    ("escalated", "sms", "+8613900001111")]
    outbox.send_due()
    [request] = sms_on.to("/aliyun")
    assert request.form()["TemplateCode"] == "SMS_4630003"


def test_an_sla_breach_warns_the_owner_and_the_supervisor_and_robots_and_webhooks(world, recorder):
    from serviceloop.notifications.models import Robot, Webhook

    team = Team.objects.create(name="硬件组", supervisor=world.sam)
    ticket = services.ticket_assign(ticket=world.ticket(), actor=world.sam, owner=world.eric, group=team)
    bot = Robot(name="硬件群", kind="wecom")
    bot.url = f"{recorder.url}/wecom/send?key=k"
    bot.save()
    hook = Webhook(name="ERP", events=["breached"])
    hook.url = f"{recorder.url}/hook/erp"
    hook.save()
    due = timezone.now()
    receivers.sla_alert(SlaAlert.RESOLUTION_MISSED, ticket, metric="resolution", due_at=due)
    assert deliveries(ticket, kind="breach_warning") == [
        ("breach_warning", "inapp", f"user:{world.eric.pk}"),
        ("breach_warning", "inapp", f"user:{world.sam.pk}"),
        ("breach_warning", "wecom", f"robot:{bot.pk}"),
    ]
    assert deliveries(ticket, kind="breached") == [("breached", "webhook", f"webhook:{hook.pk}")]
    before = Delivery.objects.filter(ticket=ticket).count()
    receivers.sla_alert(SlaAlert.RESOLUTION_MISSED, ticket, metric="resolution", due_at=due)  # reported twice
    assert Delivery.objects.filter(ticket=ticket).count() == before
    outbox.send_due()
    note = Notification.objects.get(user=world.sam, kind="breach_warning")
    assert note.title == f"[#{ticket.number}] SLA 已超时：解决"
    [card] = recorder.to("/wecom")
    assert "SLA 已超时" in card.json()["markdown"]["content"]


def test_a_missed_update_cadence_sends_the_customer_a_progress_update(world, smtp):
    ticket = services.ticket_assign(
        ticket=world.ticket(contact=world.contact_a), actor=world.sam, owner=world.eric
    )
    receivers.sla_alert(SlaAlert.UPDATE_OVERDUE, ticket, due_at=timezone.now())
    outbox.send_due()
    assert f"[#{ticket.number}] 处理进度：{ticket.title}" in subjects(smtp, "wang@example.cn")
    assert Notification.objects.filter(user=world.eric, kind="breach_warning").exists()


def test_the_acknowledgement_uses_the_tickets_own_deadlines(world, smtp):
    ticket = world.ticket(contact=world.contact_a)
    assert acknowledged_only(ticket) == [("acknowledged", "email", "wang@example.cn"),
                                         ("acknowledged", "inapp", f"user:{world.carol.pk}")]
    outbox.send_due()
    text = smtp.to("wang@example.cn")[0].message.get_body(("plain",)).get_content()
    deadline = timezone.localtime(ticket.sla.resolution_deadline).strftime("%Y-%m-%d %H:%M")
    assert deadline in text


def test_a_customer_may_turn_email_off_and_keep_in_app(world, api_as):
    response = api_as("carol").put("notifications/preferences",
                                   {"choices": {"replied": {"email": False, "inapp": True}}})
    assert response.status_code == 200
    row = next(r for r in response.json() if r["kind"] == "replied")
    assert row["channels"] == {"inapp": True, "email": False, "sms": False}
    ticket = world.ticket(contact=world.contact_a)
    services.ticket_add_reply(ticket=ticket, actor=world.alice, body="您好")
    assert deliveries(ticket, kind="replied") == [("replied", "inapp", f"user:{world.carol.pk}")]
    refused = api_as("carol").put("notifications/preferences", {"choices": {"assigned": {"email": True}}})
    assert refused.status_code == 422  # not a kind that reaches a customer
    assert (
        api_as("carol").put("notifications/preferences", {"choices": {"replied": {"fax": True}}}).status_code
        == 422
    )
    # A choice is a JSON boolean: 0 or "no" is refused, not read as off (found by the fuzzer).
    assert (
        api_as("carol").put("notifications/preferences", {"choices": {"replied": {"inapp": 0}}}).status_code
        == 422
    )


def test_staff_who_chose_to_hear_of_new_tickets_hear_of_each_and_nobody_else_does(
        world, django_capture_on_commit_callbacks):
    from serviceloop.notifications.preferences import preference_grid, preferences_set

    quiet = world.ticket(contact=world.contact_a)
    assert [d for d in deliveries(quiet) if d[0] == "created"] == []  # off by default
    offered = preference_grid(world.sam)[0]
    assert (offered["kind"], offered["channels"]) == (
        "created",
        {"inapp": False, "email": False, "sms": False},
    )
    world.sam.email = "sam@example.cn"
    world.sam.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        preferences_set(user=world.sam, choices={"created": {"inapp": True, "email": True}})
        preferences_set(user=world.alice, choices={"created": {"inapp": True}})

    by_alice = world.ticket(contact=world.contact_a)  # alice made it: she is not told of her own ticket
    by_eric = world.ticket(by="eric", org=world.org_b)

    assert [d for d in deliveries(by_alice) if d[0] == "created"] == [
        ("created", "email", "sam@example.cn"), ("created", "inapp", f"user:{world.sam.pk}")]
    assert [d for d in deliveries(by_eric) if d[0] == "created" and d[1] == "inapp"] == [
        ("created", "inapp", f"user:{world.alice.pk}"), ("created", "inapp", f"user:{world.sam.pk}")]
    outbox.send_due()
    note = Notification.objects.get(user=world.alice, ticket=by_eric)
    assert note.kind == "created" and by_eric.number in note.title and "南方电网运维中心" in note.body
