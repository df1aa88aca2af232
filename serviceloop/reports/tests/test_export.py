"""Export of the ticket list (USR-7): the list's own rows and filters, CSV that Excel reads as UTF-8,
an XLSX opened and read back, customers limited to their organisation, formulas written as text."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.tickets import services
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def login(username: str, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # the BOM: Excel then reads the file as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_holds_every_ticket_of_the_filtered_list_in_the_users_language(world):
    high = world.ticket(title="主板烧毁", urgency="critical", impact_scope="global")
    world.ticket(title="咨询保修期")
    client = login("alice")

    everything = csv_rows(client.get("/export.csv", {"view": "all"}))
    assert everything[0][:3] == ["工单号", "标题", "状态"]
    assert sorted(r[1] for r in everything[1:]) == sorted(["咨询保修期", "主板烧毁"])

    only_high = csv_rows(client.get("/export.csv", {"view": "all", "priority": high.priority}))
    assert [r[0] for r in only_high[1:]] == [high.number]
    response = client.get("/export.csv", {"view": "all"})
    assert response["Content-Disposition"].startswith('attachment; filename="tickets-all-')


def test_an_export_reads_the_list_page_by_page(world, monkeypatch):
    from serviceloop.reports import export

    monkeypatch.setattr(export, "CHUNK", 2)
    numbers = {world.ticket(title=f"设备故障 {i}").number for i in range(5)}
    rows = csv_rows(login("alice").get("/export.csv", {"view": "all"}))
    assert {r[0] for r in rows[1:]} == numbers and len(rows) == 6


def test_english_headers_and_values_for_a_user_who_chose_english(world):
    world.alice.language = "en"
    world.alice.save(update_fields=["language"])
    world.ticket()
    rows = csv_rows(login("alice", "en").get("/export.csv", {"view": "all"}))
    assert rows[0][:3] == ["Number", "Title", "Status"] and rows[1][2] == "New"


def test_a_customer_exports_only_their_own_organisations_tickets(world):
    own = world.ticket(title="我们的工单")
    world.ticket(title="别人的工单", org=world.org_b, contact=world.contact_b)
    rows = csv_rows(login("carol").get("/export.csv", {"view": "all", "organization": world.org_b.pk}))
    assert [r[0] for r in rows[1:]] == [own.number]


def test_phones_are_masked_and_formulas_are_written_as_text(world):
    world.ticket(title="=HYPERLINK(\"http://example.invalid\")", contact=world.contact_a)
    row = csv_rows(login("alice").get("/export.csv", {"view": "all"}))[1]
    assert row[1].startswith("'=")
    assert "13812345678" not in row and any("5678" in cell and "*" in cell for cell in row)


def test_xlsx_export_opens_with_its_header_rows_and_real_dates(world):
    ticket = world.ticket(title="电源模块故障 E101", contact=world.contact_a)
    services.ticket_add_reply(ticket=ticket, actor=world.alice, body="已安排工程师上门。")
    response = login("alice").get("/export.xlsx", {"view": "all"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["工单号", "标题"]
    values = [c.value for c in sheet[2]]
    assert values[0] == ticket.number and values[1] == "电源模块故障 E101"
    # Local wall time as a real date cell (Excel keeps no time zone; its clock ticks in milliseconds).
    created = values[header.index("创建时间")]
    assert abs(created - timezone.localtime(ticket.created_at).replace(tzinfo=None)) < timedelta(seconds=1)
    assert sheet.auto_filter.ref.startswith("A1")


def test_bad_filters_answer_the_list_page_with_its_message_not_a_file(world):
    response = login("alice").get("/export.csv", {"view": "all", "created_from": "not-a-date"})
    assert response.status_code == 422
    assert "text/html" in response["Content-Type"]


def test_export_needs_a_login(world):
    response = Client().get("/export.csv")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_export_stops_at_the_configured_maximum(world, settings):
    settings.EXPORT_MAX_ROWS = 2
    for i in range(3):
        world.ticket(title=f"设备故障 {i}")
    assert len(csv_rows(login("alice").get("/export.csv", {"view": "all"}))) == 3
