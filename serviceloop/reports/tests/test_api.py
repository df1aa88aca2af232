"""POST /api/v1/reports and GET /api/v1/reports/{id}: a report asked for and read; bad periods refused
with 422 in the client's language and nothing made; a draft hidden from those who only read reports."""

from __future__ import annotations

import pytest

from serviceloop.reports.models import Report, ReportEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reports_in_tmp(settings, tmp_path):
    settings.REPORTS_DIR = tmp_path / "reports"


def test_a_supervisor_asks_for_a_report_and_reads_it(api_as, month, django_capture_on_commit_callbacks):
    api = api_as("sam")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("reports", {"kind": "monthly", "start": "2026-11-01"})
    assert response.status_code == 202, response.content
    body = api.get(f"reports/{response.json()['id']}").json()
    assert body["status"] == "draft" and body["period_end"] == "2026-11-30"
    assert body["findings"]["en"][0] == (
        "In November 2026, 硬件类 made up 50% of the tickets; 电源模块 made up 60% of those."
    )
    assert body["files"]["zh-hans"]["pdf"].endswith(f"/reports/{body['id']}/zh-hans.pdf")


@pytest.mark.parametrize(
    ("payload", "language", "field", "message"),
    [
        (
            {"kind": "monthly", "start": "2026-11-01", "end": "2026-10-01"},
            "en",
            "end",
            "The end date is before the start date.",
        ),
        (
            {"kind": "monthly", "start": "2016-11-01", "end": "2026-10-31"},
            "zh-hans",
            "end",
            "统计周期最长 366 天。",
        ),
        (
            {"kind": "weekly", "start": "2026-11-03"},
            "en",
            "start",
            "A Weekly report covers 2026-11-02 to 2026-11-08, not the dates given.",
        ),
    ],
)
def test_bad_periods_are_refused_in_the_clients_language(api_as, payload, language, field, message):
    response = api_as("sam", language).post("reports", payload)
    assert response.status_code == 422
    assert response.json()["message"] == message and response.json()["errors"][0]["field"] == field
    assert Report.objects.count() == 0 and ReportEvent.objects.count() == 0


def test_an_unknown_kind_is_a_422(api_as):
    response = api_as("sam").post("reports", {"kind": "yearly", "start": "2026-01-01"})
    assert response.status_code == 422 and Report.objects.count() == 0


def test_a_draft_is_not_found_for_someone_who_may_not_make_reports(world, api_as, month):
    from django.contrib.auth.models import Permission

    draft = Report.objects.create(
        kind="weekly", period_start="2026-11-02", period_end="2026-11-08", status="draft"
    )
    reader = world.pete
    reader.user_permissions.add(Permission.objects.get(codename="view_report"))
    assert api_as("pete").get(f"reports/{draft.pk}").status_code == 404
    assert api_as("sam").get(f"reports/{draft.pk}").status_code == 200
    assert api_as("carol").get(f"reports/{draft.pk}").status_code == 403
