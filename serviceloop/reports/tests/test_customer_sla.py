"""The per-customer SLA report (ANA-4) on the hand-made month of conftest.py: carol (org_a) sees her own
organisation's figures and nothing of org_b's; another organisation's report is a 404; a bad period is a
clear message and no file; the CSV and XLSX exports; the reports pages for staff."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from serviceloop.reports.customer_sla import customer_sla
from tests.personas import PASSWORD

from .conftest import NOV

pytestmark = pytest.mark.django_db


def _client(username: str, language: str = "zh-hans") -> Client:
    from serviceloop.accounts.models import User

    User.objects.filter(username=username).update(language=language)  # the page speaks the person's language
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.login(username=username, password=PASSWORD)
    return client


def test_it_works_out_one_organisations_sla_for_the_period(world, month):
    report = customer_sla(user=world.carol, organization_id=None, start=NOV[0], end=NOV[1])
    assert report.organization == world.org_a
    assert (report.created, report.resolved, report.sla_measured, report.sla_met) == (8, 3, 2, 1)
    assert report.sla_rate == 0.5
    assert report.mean_response_minutes == 60 and report.mean_resolution_minutes == 340
    assert report.breaches["resolution"] == 1 and sum(report.breaches.values()) == 1
    assert (report.compensation_cash, report.compensation_vouchers) == (Decimal("300"), 0)
    assert report.open_count == 13  # every org_a ticket of both months is still open


def test_staff_choose_the_organisation(world, month):
    report = customer_sla(user=world.sam, organization_id=world.org_b.pk, start=NOV[0], end=NOV[1])
    assert (report.created, report.resolved, report.compensation_cash) == (2, 1, Decimal("500"))


def test_the_portal_page_shows_the_figures_in_chinese(world, month):
    page = _client("carol").get("/sla-report/", {"start": "2026-11-01", "end": "2026-11-30"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "华东精密制造有限公司" in text and "南方电网" not in text
    assert "50%" in text and "2 张中 1 张达标" in text and "300.00" in text
    assert "应付赔偿（元）" in text and "未结工单" in text


def test_another_organisations_report_is_not_found(world, month):
    carol = _client("carol")
    assert carol.get("/sla-report/", {"organization": world.org_b.pk}).status_code == 404
    assert carol.get("/sla-report/export.csv", {"organization": world.org_b.pk}).status_code == 404
    assert _client("bob").get("/sla-report/", {"organization": world.org_a.pk}).status_code == 404
    assert _client("eric").get("/sla-report/").status_code == 404  # staff must name one


@pytest.mark.parametrize(
    ("start", "end", "language", "message"),
    [
        ("2026-11-30", "2026-11-01", "zh-hans", "结束日期早于开始日期。"),
        ("2016-01-01", "2025-12-31", "en", "A period is at most 366 days."),
    ],
)
def test_a_bad_period_is_refused_with_a_message_and_no_file(world, month, start, end, language, message):
    client = _client("carol", language)
    page = client.get("/sla-report/", {"start": start, "end": end})
    assert page.status_code == 422 and message in page.content.decode()
    export = client.get("/sla-report/export.csv", {"start": start, "end": end})
    assert export.status_code == 422 and "Content-Disposition" not in export


def test_it_exports_csv_and_xlsx(world, month):
    carol = _client("carol", "en")
    response = carol.get("/sla-report/export.csv", {"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    summary = {r[0]: r[1] for r in rows if len(r) == 2}
    assert summary["SLA compliance"] == "50%" and summary["Compensation owed (¥)"] == "300.00"
    assert summary["Mean first response (h)"] == "1.0" and summary["Mean resolution time (h)"] == "5.7"
    tickets = rows[
        rows.index(
            [
                "Number",
                "Title",
                "Priority",
                "Created at",
                "First response at",
                "Resolved at",
                "First response (min)",
                "Resolution (min)",
                "SLA",
            ]
        )
        + 1 :
    ]
    assert [r[8] for r in tickets] == ["Met", "Missed", ""]
    assert [r[7] for r in tickets] == ["120", "600", "300"]

    response = carol.get("/sla-report/export.xlsx", {"start": "2026-11-01", "end": "2026-11-30"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Summary", "Tickets resolved"]
    cells = {r[0].value: r[1].value for r in book["Summary"].iter_rows()}
    assert cells["Tickets resolved"] == 3 and cells["SLA met"] == 1 and cells["Open items"] == 13
    assert book["Tickets resolved"].max_row == 4


def test_the_reports_pages_are_for_those_who_may_read_them(world, month):
    assert _client("carol").get("/reports/").status_code == 404
    assert _client("eric").get("/reports/").status_code == 404
    sam = _client("sam")
    page = sam.get("/reports/")
    assert page.status_code == 200 and "立即生成" in page.content.decode()
    refused = sam.post("/reports/request/", {"kind": "monthly", "start": "2026-11-03"})
    assert refused.status_code == 422 and "与所填日期不符" in refused.content.decode()
    refused = sam.post("/reports/request/", {"kind": "monthly", "start": "2026-11-01", "end": "2026-10-01"})
    assert refused.status_code == 422 and "结束日期早于开始日期。" in refused.content.decode()
    from serviceloop.reports.models import Report

    assert Report.objects.count() == 0


def test_the_pages_read_a_fixed_number_of_queries(world, month, django_assert_max_num_queries):
    from datetime import date, timedelta

    from serviceloop.reports.models import Report

    for i in range(30):  # more than a page of reports
        monday = date(2026, 1, 5) + timedelta(weeks=i)
        Report.objects.create(
            kind="weekly", period_start=monday, period_end=monday + timedelta(days=6), status="published"
        )
    carol, sam = _client("carol"), _client("sam")
    with django_assert_max_num_queries(14):
        assert carol.get("/sla-report/", {"start": "2026-11-01", "end": "2026-11-30"}).status_code == 200
    with django_assert_max_num_queries(12):
        page = sam.get("/reports/")
    assert page.status_code == 200 and page.content.decode().count("/reports/") >= 20
