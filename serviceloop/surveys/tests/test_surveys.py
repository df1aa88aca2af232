"""Surveys (CSAT-1) and second processing (CSAT-2): scheduled at resolution, sent once by the periodic job
through the outbox, answered by a signed link without login; a low answer reopens the ticket with a
follow-up task for the supervisor; the next resolution gets its own survey."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from serviceloop.accounts.models import Team
from serviceloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from serviceloop.notifications import outbox
from serviceloop.notifications.models import Delivery
from serviceloop.surveys import services, tokens
from serviceloop.surveys.models import FollowUpTask, Survey
from serviceloop.tickets import services as tickets
from serviceloop.tickets.models import TicketEvent
from tests.personas import resolve_ticket

pytestmark = pytest.mark.django_db


def _resolve(ticket, actor):
    if ticket.status != "in_progress":
        tickets.ticket_transition(ticket=ticket, actor=actor, to_status="in_progress")
    return resolve_ticket(ticket, actor)


def _sent(world, **ticket_kwargs):
    """A resolved ticket whose survey went out (the delay passed); returns (ticket, survey, token)."""
    ticket = world.ticket(contact=world.contact_a, **ticket_kwargs)
    _resolve(ticket, world.eric)
    assert services.surveys_send_due(now=timezone.now() + timedelta(hours=25)) == 1
    survey = Survey.objects.get(ticket=ticket, sent_at__isnull=False)
    return ticket, survey, tokens.token_for(survey)


GOOD = {"overall": "5", "satisfaction": "5", "response_speed": "5", "solution_quality": "4", "attitude": "5",
        "communication": "5", "comment": "工程师很专业"}
LOW = {"overall": "2", "satisfaction": "2", "comment": "问题反复出现"}


def _snapshot():
    return (
        list(Survey.objects.order_by("pk").values()),
        FollowUpTask.objects.count(),
        TicketEvent.objects.count(),
    )


def test_resolving_schedules_one_survey_sent_after_the_delay_and_only_once(world, settings):
    settings.SURVEY_DELAY_HOURS = 24
    ticket = world.ticket(contact=world.contact_a)
    _resolve(ticket, world.eric)
    survey = Survey.objects.get(ticket=ticket)
    assert survey.cycle == 1 and survey.sent_at is None
    assert services.surveys_send_due(now=timezone.now() + timedelta(hours=23)) == 0
    later = timezone.now() + timedelta(hours=25)
    assert services.surveys_send_due(now=later) == 1
    assert services.surveys_send_due(now=later) == 0  # a second worker finds nothing left to claim
    survey.refresh_from_db()
    assert survey.sent_at == later and survey.expires_at == later + timedelta(
        days=settings.SURVEY_EXPIRY_DAYS
    )
    # Only the hash of the link's token is stored, and it is the hash of the link that was sent.
    token = tokens.token_for(survey)
    assert survey.token_hash == tokens.token_hash(token) and token not in str(Survey.objects.values().get())
    email = Delivery.objects.get(event_key=f"survey:{survey.pk}", channel="email")
    assert email.recipient == "wang@example.cn"
    outbox.send_due()
    assert any(f"/survey/{token}/" in m.body for m in mail.outbox)


def test_the_one_reminder_goes_out_after_the_reminder_delay_with_the_same_link(world, settings):
    settings.SURVEY_REMINDER_HOURS = 72
    ticket, survey, token = _sent(world)
    assert services.surveys_remind(now=survey.sent_at + timedelta(hours=71)) == 0
    assert services.surveys_remind(now=survey.sent_at + timedelta(hours=73)) == 1
    assert services.surveys_remind(now=survey.sent_at + timedelta(hours=100)) == 0
    assert Delivery.objects.filter(event_key=f"survey:{survey.pk}:reminder", channel="email").count() == 1
    outbox.send_due()
    assert sum(f"/survey/{token}/" in m.body for m in mail.outbox) == 2


def test_a_ticket_reopened_before_its_survey_went_out_keeps_one_survey_for_the_cycle(world):
    ticket = world.ticket(contact=world.contact_a)
    _resolve(ticket, world.eric)
    tickets.ticket_transition(ticket=ticket, actor=world.carol, to_status="reopened", note="还是不行")
    assert services.surveys_send_due(now=timezone.now() + timedelta(hours=25)) == 0  # not resolved: waits
    _resolve(ticket, world.eric)
    assert list(Survey.objects.filter(ticket=ticket).values_list("cycle", flat=True)) == [1]
    assert services.surveys_send_due(now=timezone.now() + timedelta(hours=25)) == 1


def test_the_link_opens_the_survey_without_login_and_a_good_answer_is_recorded(world):
    ticket, survey, token = _sent(world)
    client = Client()
    page = client.get(f"/survey/{token}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert ticket.number in html and "非常满意" in html and "非常不满意" in html and "响应速度" in html
    assert "<script>" not in html  # CSP: nothing inline
    response = client.post(f"/survey/{token}/", GOOD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    survey.refresh_from_db()
    assert (survey.overall, survey.satisfaction, survey.solution_quality, survey.comment) == (
        5,
        5,
        4,
        "工程师很专业",
    )
    assert survey.answered_at is not None and survey.answered_by is None
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and not FollowUpTask.objects.exists()


@pytest.mark.parametrize("bad", ["forged", "tampered", "other-survey-hash", "garbage", "long"])
def test_a_forged_or_tampered_token_is_refused_and_writes_nothing(world, bad):
    ticket, survey, token = _sent(world)
    other_ticket, other, other_token = _sent(world, title="另一张工单")
    from django.core import signing

    token_for = {
        "forged": signing.Signer(key="not-our-secret", salt=tokens.SALT).sign_object(
            {"s": survey.pk, "t": ticket.pk, "e": int(survey.expires_at.timestamp())}),
        "tampered": token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),
        # A genuine signature over another survey's claims but the wrong ticket: no such pair.
        "other-survey-hash": signing.Signer(salt=tokens.SALT).sign_object(
            {"s": survey.pk, "t": other_ticket.pk, "e": int(survey.expires_at.timestamp())}),
        "garbage": "abc",
        "long": "x" * 400,
    }[bad]
    before = _snapshot()
    response = Client().post(f"/survey/{token_for}/", GOOD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and "not valid" in response.content.decode()
    assert _snapshot() == before


def test_an_expired_link_is_refused_in_both_languages(world, settings):
    ticket, survey, token = _sent(world)
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    before = _snapshot()
    response = Client().post(f"/survey/{token}/", GOOD, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 410 and "已过期" in response.content.decode()
    assert _snapshot() == before
    with pytest.raises(services.Gone):
        services.survey_from_token(token)


def test_a_link_is_usable_once(world):
    ticket, survey, token = _sent(world)
    assert Client().post(f"/survey/{token}/", GOOD).status_code == 200
    before = _snapshot()
    again = Client().post(f"/survey/{token}/", LOW, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and "already been answered" in again.content.decode()
    assert _snapshot() == before
    with pytest.raises(Conflict):
        services.survey_answer(survey=survey, overall=1, satisfaction=1)


@pytest.mark.parametrize(
    "field,value",
    [
        ("overall", "0"),
        ("overall", "6"),
        ("overall", "-1"),
        ("overall", "2.5"),
        ("overall", ""),
        ("satisfaction", "9"),
        ("attitude", "7"),
    ],
)
def test_a_score_outside_1_to_5_is_refused_with_a_message_and_nothing_written(world, field, value):
    ticket, survey, token = _sent(world)
    before = _snapshot()
    response = Client().post(f"/survey/{token}/", {**GOOD, field: value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "1 to 5" in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("value", [0, 6, 100, True, "五", None])
def test_the_service_refuses_scores_outside_1_to_5_too(world, value):
    ticket, survey, token = _sent(world)
    before = _snapshot()
    with pytest.raises(InvalidInput) as err:
        services.survey_answer(survey=survey, overall=value, satisfaction=4)
    assert err.value.errors[0]["field"] == "overall"
    assert _snapshot() == before


def test_the_links_are_rate_limited_per_address(world, settings):
    settings.SURVEY_MAX_PER_IP = 3
    ticket, survey, token = _sent(world)
    client = Client()
    for _ in range(3):
        assert client.get(f"/survey/{token}x/").status_code == 404
    blocked = client.get(f"/survey/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0


def test_another_organisations_customer_can_neither_see_nor_answer_the_survey(world):
    ticket, survey, token = _sent(world)
    bob = Client()
    bob.force_login(world.bob)
    before = _snapshot()
    assert bob.get(f"/tickets/{ticket.number}/survey/").status_code == 404
    assert bob.post(f"/tickets/{ticket.number}/survey/", GOOD).status_code == 404
    with pytest.raises(NotFound):
        services.survey_answer(survey=survey, actor=world.bob, overall=5, satisfaction=5)
    assert _snapshot() == before


def test_the_portal_shows_the_pending_survey_and_the_customer_answers_it_logged_in(world):
    ticket, survey, token = _sent(world)
    carol = Client()
    carol.force_login(world.carol)
    page = carol.get(f"/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/tickets/{ticket.number}/survey/" in page and "评价服务" in page
    response = carol.post(f"/tickets/{ticket.number}/survey/", GOOD)
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.answered_by == world.carol and survey.overall == 5
    assert (
        "评价服务" not in carol.get(f"/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_a_low_score_reopens_the_ticket_for_the_group_supervisor_with_a_deadline(world, settings):
    settings.SURVEY_LOW_SCORE = 3
    team = Team.objects.create(name="硬件组", supervisor=world.sam)
    ticket = world.ticket(contact=world.contact_a)
    tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric, group=team)
    ticket, survey, token = ticket, *_sent_existing(ticket, world)
    assert Client().post(f"/survey/{token}/", LOW).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "reopened"
    task = FollowUpTask.objects.get(survey=survey)
    assert task.assignee == world.sam and task.due_at is not None and task.due_at > task.created_at
    event = task.reopen_event
    assert event.kind == "status" and event.data["to"] == "reopened" and event.actor.username == "system-loop"
    # The reopening says why, to the customer too: it is their own score and comment.
    assert "2/5" in event.body and "问题反复出现" in event.body and event.is_public
    # The task shows on the ticket page for staff and in the API.
    sam = Client()
    sam.force_login(world.sam)
    page = sam.get(f"/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "二次处理" in page and "记录结果" in page
    # The second resolution gets its own survey (cycle 2); scoring 5 leaves it resolved.
    _resolve(ticket, world.eric)
    assert services.surveys_send_due(now=timezone.now() + timedelta(hours=25)) == 1
    second = Survey.objects.get(ticket=ticket, cycle=2)
    assert Client().post(f"/survey/{tokens.token_for(second)}/", GOOD).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and FollowUpTask.objects.filter(ticket=ticket).count() == 1


def _sent_existing(ticket, world):
    _resolve(ticket, world.eric)
    services.surveys_send_due(now=timezone.now() + timedelta(hours=25))
    survey = Survey.objects.get(ticket=ticket, sent_at__isnull=False, answered_at__isnull=True)
    return survey, tokens.token_for(survey)


def test_dissatisfied_on_the_scale_reopens_even_with_a_high_star_score(world):
    ticket, survey, token = _sent(world)
    services.survey_answer(survey=survey, overall=4, satisfaction=1)
    ticket.refresh_from_db()
    assert ticket.status == "reopened" and FollowUpTask.objects.filter(survey=survey).exists()


def test_a_complaints_follow_up_goes_to_customer_relations(world):
    ticket, survey, token = _sent(world, ticket_type="complaint")
    services.survey_answer(survey=survey, overall=1, satisfaction=1)
    assert FollowUpTask.objects.get(survey=survey).assignee == world.rita


def test_a_closed_ticket_is_reopened_too(world):
    ticket, survey, token = _sent(world)
    tickets.ticket_transition(ticket=ticket, actor=world.carol, to_status="closed")
    services.survey_answer(survey=survey, overall=3, satisfaction=3)
    ticket.refresh_from_db()
    assert ticket.status == "reopened"


def test_the_follow_up_outcome_is_recorded_once_by_the_assignee_or_a_supervisor(world, api_as):
    ticket, survey, token = _sent(world)
    services.survey_answer(survey=survey, overall=2, satisfaction=2)
    task = FollowUpTask.objects.get(survey=survey)
    with pytest.raises(Forbidden):
        services.follow_up_complete(task=task, actor=world.eric, outcome="explained", note="已电话解释")
    bad = api_as("sam").post(f"follow-ups/{task.pk}/complete", {"outcome": "maybe", "note": "x"})
    assert bad.status_code == 422
    ok = api_as("sam").post(
        f"follow-ups/{task.pk}/complete", {"outcome": "resolved", "note": "上门更换电源，客户满意"}
    )
    assert ok.status_code == 200 and ok.json()["outcome"] == "resolved" and ok.json()["done_by"]
    again = api_as("sam").post(f"follow-ups/{task.pk}/complete", {"outcome": "resolved", "note": "再次"})
    assert again.status_code == 409
    listed = api_as("sam").get(f"tickets/{ticket.number}/surveys").json()
    assert listed["surveys"][0]["overall"] == 2 and listed["follow_ups"][0]["outcome"] == "resolved"
    # The customer sees her surveys, never the internal follow-up.
    assert api_as("carol").get(f"tickets/{ticket.number}/surveys").json()["follow_ups"] == []
    assert api_as("bob").get(f"tickets/{ticket.number}/surveys").status_code == 404
    note = TicketEvent.objects.filter(ticket=ticket, kind="note").latest("id")
    assert "上门更换电源" in note.body and not note.is_public


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_at_once_send_each_survey_and_each_reminder_once():
    from tests.concurrency import all_at_once
    from tests.personas import build_world

    world = build_world()
    for i in range(6):
        _resolve(world.ticket(contact=world.contact_a, title=f"设备故障 {i}"), world.eric)
    later = timezone.now() + timedelta(hours=25)
    all_at_once(lambda: services.surveys_send_due(now=later), threads=4, times=2)
    assert Survey.objects.filter(sent_at=later).count() == 6
    all_at_once(lambda: services.surveys_remind(now=later + timedelta(days=4)), threads=4, times=2)
    assert Survey.objects.filter(reminded_at__isnull=False).count() == 6
    keys = list(Delivery.objects.filter(channel="email", kind="survey").values_list("event_key", flat=True))
    assert len(keys) == len(set(keys)) == 12
