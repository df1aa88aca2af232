"""The API of issue #13 points 1-3: records, sub-status, resolution, confirmation, the root-cause tree."""

from __future__ import annotations

from serviceloop.tickets import services
from serviceloop.tickets.choices import EventKind, Status
from serviceloop.tickets.models import Ticket
from tests.personas import db_snapshot, resolve_ticket


def working(world):
    ticket = world.ticket(contact=world.contact_a)
    services.ticket_transition(ticket=ticket, actor=world.eric, to_status=Status.IN_PROGRESS)
    return ticket


def test_processing_records_are_written_through_the_api(world, api_as):
    ticket = working(world)
    eric = api_as("eric")
    base = f"tickets/{ticket.number}"
    d = eric.post(f"{base}/diagnoses", {"result": "主板电容鼓包", "started_at": "2026-03-02T09:00:00+08:00",
                                        "ended_at": "2026-03-02T09:40:00+08:00"})
    s = eric.post(f"{base}/solutions", {"text": "更换主板", "steps": ["备件出库", "更换", "测试"]})
    e = eric.post(
        f"{base}/executions", {"text": "已更换", "operator_id": world.tom.pk, "customer_feedback": "满意"}
    )
    assert [r.status_code for r in (d, s, e)] == [201, 201, 201]
    assert d.json()["kind"] == "diagnosis" and d.json()["data"]["minutes"] == 40
    assert s.json()["data"]["steps"] == ["备件出库", "更换", "测试"]
    assert e.json()["data"]["operator"] == world.tom.pk and not e.json()["is_public"]
    # A customer may not write them, nor read them in the timeline.
    assert api_as("carol").post(f"{base}/solutions", {"text": "x"}).status_code == 403
    kinds = [i["kind"] for i in api_as("carol").get(f"{base}/timeline").json()["items"]]
    assert not {"diagnosis", "solution", "execution"} & set(kinds)


def test_the_sub_status_changes_within_the_status_through_the_api(world, api_as):
    ticket = working(world)
    response = api_as("eric").post(f"tickets/{ticket.number}/sub-status", {"sub_status": "waiting_parts"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["sub_status"]) == ("in_progress", "waiting_parts")
    assert response.json()["sla"]["paused"] is True
    response = api_as("eric").post(f"tickets/{ticket.number}/sub-status", {"sub_status": "shipped"})
    assert response.json()["sub_status"] == "shipped" and response.json()["sla"]["paused"] is False
    assert (
        api_as("carol").post(f"tickets/{ticket.number}/sub-status", {"sub_status": "repairing"}).status_code
        == 403
    )


def test_resolving_through_the_api_and_what_each_side_reads(world, api_as):
    ticket = working(world)
    cause = world.power_fault
    response = api_as("eric").post(f"tickets/{ticket.number}/resolve", {
        "root_cause_id": cause.pk, "customer_result": "已更换电源模块，更换件保修6个月。",
        "resolution_note": "批次缺陷", "warranty_months": 6})
    assert response.status_code == 200, response.json()
    staff = response.json()
    assert staff["status"] == "resolved" and staff["root_cause"]["id"] == cause.pk
    assert (
        staff["root_cause_path"] == "Hardware fault › Power module" and staff["resolution_note"] == "批次缺陷"
    )
    assert staff["auto_close_at"] is not None
    customer = api_as("carol").get(f"tickets/{ticket.number}").json()
    assert (
        customer["customer_result"] == "已更换电源模块，更换件保修6个月。"
        and customer["warranty_months"] == 6
    )
    assert customer["root_cause"] is None and customer["resolution_note"] is None
    event = next(i for i in api_as("carol").get(f"tickets/{ticket.number}/timeline").json()["items"]
                 if i["kind"] == "resolution")
    assert event["data"] == {"warranty_months": 6} and event["body"].startswith("已更换电源模块")


def test_the_plain_transition_to_resolved_is_the_resolution_with_its_checks(world, api_as):
    ticket = working(world)
    before = db_snapshot()
    response = api_as("eric", "zh-hans").post(f"tickets/{ticket.number}/transition", {"status": "resolved"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["root_cause_id"]
    assert "根本原因" in response.json()["message"] or "根因" in response.json()["message"]
    assert db_snapshot() == before
    response = api_as("eric").post(f"tickets/{ticket.number}/transition", {
        "status": "resolved", "root_cause_id": world.power_fault.pk, "customer_result": "已处理"})
    assert response.status_code == 200 and response.json()["status"] == "resolved"


def test_resolving_with_an_unknown_root_cause_names_the_field(world, api_as):
    ticket = working(world)
    before = db_snapshot()
    response = api_as("eric").post(f"tickets/{ticket.number}/resolve", {"root_cause_id": 999999,
                                                                         "customer_result": "已处理"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "root_cause_id"
    response = api_as("eric").post(
        f"tickets/{ticket.number}/resolve", {"root_cause_id": world.power_fault.pk}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "customer_result"
    assert db_snapshot() == before


def test_the_customer_answers_through_the_api_and_not_fixed_needs_a_reason(world, api_as):
    ticket = working(world)
    resolve_ticket(ticket, world.eric)
    carol = api_as("carol")
    before = db_snapshot()
    response = carol.post(f"tickets/{ticket.number}/confirmation", {"fixed": False})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "reason"
    assert db_snapshot() == before
    response = carol.post(f"tickets/{ticket.number}/confirmation", {"fixed": False, "reason": "仍然黑屏"})
    assert response.status_code == 200 and response.json()["status"] == "reopened"
    resolve_ticket(ticket, world.eric)
    response = carol.post(f"tickets/{ticket.number}/confirmation", {"fixed": True})
    assert response.json()["status"] == "closed"
    closing = Ticket.objects.get(pk=ticket.pk).events.filter(kind=EventKind.CONFIRMATION).last()
    assert closing.data["method"] == "portal" and "resolution_minutes" in closing.data
    # Answered: a second answer is a conflict.
    assert carol.post(f"tickets/{ticket.number}/confirmation", {"fixed": True}).status_code == 409


def test_staff_record_a_phone_answer_through_the_api(world, api_as):
    ticket = working(world)
    resolve_ticket(ticket, world.eric)
    alice = api_as("alice")
    assert alice.post(f"tickets/{ticket.number}/confirmation", {"fixed": True}).status_code == 422
    response = alice.post(
        f"tickets/{ticket.number}/confirmation", {"fixed": True, "reason": "王女士电话确认"}
    )
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert ticket.events.last().data["method"] == "phone"


def test_the_root_cause_tree_and_the_prompts_are_listed(world, api_as):
    assert world.power_fault.parent.code == "hardware"  # the seeded rows (or their stand-ins) are there
    body = api_as("eric", "zh-hans").get("root-causes").json()
    by_code = {i["code"]: i for i in body["items"]}
    assert (
        by_code["hardware-power"]["path"] == "硬件故障 › 电源模块" and by_code["hardware-power"]["selectable"]
    )
    assert not by_code["hardware"]["selectable"]
    assert set(body["result_prompts"]) >= {"problem", "consultation", "suggestion", "complaint"}


def test_the_root_cause_list_costs_the_same_whatever_the_size_of_the_tree(world, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from serviceloop.tickets.models import RootCause

    eric = api_as("eric")

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert eric.get("root-causes").status_code == 200
        return len(queries)

    cost()  # the first request of a token also records its use
    small = cost()
    parent = RootCause.objects.create(code="extra", name="扩展", name_en="Extra")
    for n in range(20):
        child = RootCause.objects.create(code=f"extra-{n}", name=f"子类{n}", parent=parent)
        RootCause.objects.create(code=f"extra-{n}-leaf", name=f"叶{n}", parent=child)
    assert cost() == small
