"""Periodic reports (ANA-3) on the hand-made month of conftest.py: figures, findings in both languages,
the PDF's text (pdftotext), the workbook's cells and charts (openpyxl), draft → published with the mail,
the schedule, and bad input that generates nothing."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from serviceloop.core.errors import Conflict, Forbidden, InvalidInput
from serviceloop.notifications.models import Delivery
from serviceloop.reports import figures
from serviceloop.reports.models import Report, ReportEvent, ReportSubscription
from serviceloop.reports.services import (
    report_path,
    report_publish,
    report_recommend,
    report_request,
    reports_schedule,
)

from .conftest import NOV, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reports_in_tmp(settings, tmp_path):
    """The files of each test in its own folder; KEEP_REPORTS=DIR keeps them there instead, to look at
    (pdftoppm -png FILE.pdf page)."""
    import os

    settings.REPORTS_DIR = os.environ.get("KEEP_REPORTS") or tmp_path / "reports"


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what services leave for after the commit (the generation job, the outbox), as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _november(world, commits):
    with time_machine.travel(at(12, 2), tick=False), commits():
        report = report_request(kind="monthly", start=NOV[0], actor=world.sam)
    return Report.objects.get(pk=report.pk)


def test_it_works_out_the_figures_of_the_period_and_the_one_before(world, month):
    doc = figures.report_figures("monthly", *NOV)
    cur, before = doc["current"], doc["previous"]
    assert (cur["created"], before["created"]) == (10, 5)
    assert [(c["name"], c["count"]) for c in cur["categories"]] == [("硬件类", 5), ("软件类", 3), ("", 2)]
    assert cur["categories"][0]["children"] == [{"id": world.power.pk, "name": "电源模块", "count": 3}]
    assert [(c["name"], c["count"]) for c in before["categories"]] == [("", 2), ("硬件类", 2), ("软件类", 1)]
    assert cur["days"][1] == ["2026-11-02", 1, 0] and cur["days"][2] == ["2026-11-03", 1, 4]
    assert sum(c for _d, c, _r in cur["days"]) == 10 and sum(r for _d, _c, r in cur["days"]) == 6
    assert (cur["resolved"], cur["sla_met"], cur["sla_measured"], cur["first_contact"]) == (6, 5, 6, 4)
    assert (cur["minutes_sum"], cur["csat_sum"], cur["csat_answered"], cur["reopened"]) == (720, 22, 6, 1)
    assert cur["dimensions"] == {
        "response_speed": [2.5, 2],
        "solution_quality": [4.5, 2],
        "attitude": [4.5, 2],
        "communication": [4.0, 1],
    }
    assert cur["breaches"] == 2
    rows = {label: rest for label, *rest in _headline(doc, "en")}
    assert rows["Tickets created"] == ["10", "5", "+5"]
    assert rows["First-contact resolution"] == ["67%", "0%", "+67 pp"]
    assert rows["Mean resolution time (h)"] == ["2.0", "2.0", "+0.0"]
    assert rows["SLA compliance"] == ["83%", "100%", "-17 pp"]
    assert rows["Satisfaction (1–5)"] == ["3.67", "4.00", "-0.33"]


def _headline(doc, language):
    from django.utils import translation

    with translation.override(language):
        return figures.headline(doc)


def test_it_writes_the_findings_in_chinese_and_english(world, month):
    doc = figures.report_figures("monthly", *NOV)
    assert doc["findings"]["zh-hans"] == [
        "2026年11月硬件类工单占比50%，其中电源模块问题占比60%。",
        "与上期相比，硬件类工单增加3张（+150%）。",
        "SLA 达成率最低的是硬件组：75%（4 张中 3 张达标）。",
        "满意度最低的维度是响应速度：2.50 分（2 份评价）。",
        "评分最低的工程师是Eric：3.00 分（4 份评价）。",
    ]
    assert doc["findings"]["en"] == [
        "In November 2026, 硬件类 made up 50% of the tickets; 电源模块 made up 60% of those.",
        "Against the previous period, 硬件类 tickets rose by 3 (+150%).",
        "The lowest SLA compliance was in 硬件组: 75% (3 of 4).",
        "The lowest-rated survey dimension was Response speed: 2.50 (2 answers).",
        "The lowest-rated engineer was Eric: 3.00 (4 answers).",
    ]


def test_a_period_without_tickets_has_no_findings(world):
    doc = figures.report_figures("weekly", date(2026, 11, 2), date(2026, 11, 8))
    assert doc["current"]["created"] == 0 and doc["findings"] == {"zh-hans": [], "en": []}


def _pdf_text(path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils; .ci/run does it)")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_it_generates_a_draft_with_files_in_both_languages(world, month, commits):
    report = _november(world, commits)  # the job ran at once (tests: Huey immediate)
    assert report.status == "draft" and report.period_end == date(2026, 11, 30)
    assert set(report.files) == {"zh-hans", "en"}
    text = _pdf_text(report_path(report.files["zh-hans"]["pdf"]))
    assert "服务月报 · 2026年11月（草稿）" in text
    assert "2026年11月硬件类工单占比50%，其中电源模块问题占比60%。" in text.replace("\n", "")
    assert "SLA 达成率" in text and "硬件组" in text and "电源模块" in text
    fonts = subprocess.run(
        ["pdffonts", str(report_path(report.files["zh-hans"]["pdf"]))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "NotoSansCJK" in fonts and " yes yes " in fonts  # embedded, as a subset
    english = _pdf_text(report_path(report.files["en"]["pdf"]))
    assert "Monthly service report · November 2026 (draft)" in english
    assert "Against the previous period, 硬件类 tickets rose by 3 (+150%)." in english

    book = load_workbook(report_path(report.files["zh-hans"]["xlsx"]))
    assert book.sheetnames == ["摘要", "每日", "分类", "各组 SLA", "工程师", "满意度维度", "根本原因"]
    summary = book["摘要"]
    assert summary["A5"].value == "新建工单" and summary["B5"].value == "10" and summary["C5"].value == "5"
    cats = book["分类"]
    assert [[c.value for c in row] for row in cats.iter_rows(min_row=1, max_row=4, max_col=3)] == [
        ["分类", "工单", "占比"],
        ["硬件类", 5, 0.5],
        ["软件类", 3, 0.3],
        ["（未分类）", 2, 0.2],
    ]
    assert cats["C2"].number_format == "0%"
    (chart,) = cats._charts
    assert chart.tagname == "barChart" and chart.type == "bar"
    assert chart.series[0].val.numRef.f == "'分类'!$B$2:$B$4"
    (line,) = book["每日"]._charts
    assert line.tagname == "lineChart" and len(line.series) == 2
    assert book["每日"]["A4"].value.date() == date(2026, 11, 3) and book["每日"]["C4"].value == 4
    sla = book["各组 SLA"]
    assert [c.value for c in sla[2]][:5] == ["硬件组", 4, 4, 3, 0.75]
    assert book["满意度维度"]["B2"].value == 2.5


def test_the_supervisor_adds_recommendations_and_publishes_to_the_subscribers(
    world, month, mailoutbox, commits
):
    world.dora.email = "dora@example.cn"
    world.dora.language = "en"
    world.dora.save()
    ReportSubscription.objects.create(user=world.dora, kind="monthly")
    ReportSubscription.objects.create(user=world.tom, kind="weekly")  # another kind: not mailed
    report = _november(world, commits)
    report = report_recommend(report=report, actor=world.sam, text="加强电源模块来料检验。")
    with commits():
        report = report_publish(report=report, actor=world.sam)
    assert report.status == "published" and report.published_by == world.sam
    text = _pdf_text(report_path(report.files["zh-hans"]["pdf"]))
    assert "加强电源模块来料检验。" in text and "草稿" not in text
    assert [e.kind for e in ReportEvent.objects.filter(report=report)] == [
        "requested",
        "generated",
        "recommendations",
        "published",
    ]
    mails = Delivery.objects.filter(event_key=f"report:{report.pk}")
    assert sorted((d.channel, d.recipient) for d in mails) == [
        ("email", "dora@example.cn"),
        ("inapp", f"user:{world.dora.pk}"),
    ]
    (mail,) = mailoutbox
    assert mail.subject == "Monthly service report · November 2026"
    assert f"/reports/{report.pk}/" in mail.body and "硬件类 made up 50%" in mail.body
    with pytest.raises(Conflict):
        report_recommend(report=report, actor=world.sam, text="too late")
    with pytest.raises(Conflict):
        report_request(kind="monthly", start=NOV[0], actor=world.sam)


def test_only_supervisors_directors_and_admins_make_reports(world, month, commits):
    for name in ("alice", "eric", "pete", "rita", "carol"):
        with pytest.raises(Forbidden):
            report_request(kind="monthly", start=NOV[0], actor=world.users[name])
    report = _november(world, commits)
    assert report_publish(report=report, actor=world.dora).status == "published"
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "start", "end", "message"),
    [
        ("monthly", date(2026, 11, 1), date(2026, 10, 31), "The end date is before the start date."),
        ("monthly", date(2016, 11, 1), date(2026, 10, 31), "A period is at most 366 days."),
        (
            "monthly",
            date(2026, 11, 2),
            None,
            "A Monthly report covers 2026-11-01 to 2026-11-30, not the dates given.",
        ),
        (
            "weekly",
            date(2026, 11, 3),
            None,
            "A Weekly report covers 2026-11-02 to 2026-11-08, not the dates given.",
        ),
        ("yearly", date(2026, 1, 1), None, "Unknown report kind: yearly"),
        ("monthly", date(2027, 1, 1), None, "This period has not started yet."),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_generated(world, kind, start, end, message):
    from django.utils import translation

    with (
        translation.override("en"),
        time_machine.travel(at(12, 2), tick=False),
        pytest.raises(InvalidInput) as e,
    ):
        report_request(kind=kind, start=start, end=end, actor=world.sam)
    assert e.value.message == message
    assert Report.objects.count() == 0 and ReportEvent.objects.count() == 0


def test_a_bad_period_is_refused_in_chinese_too(world):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(InvalidInput) as e:
        report_request(kind="monthly", start=date(2026, 11, 1), end=date(2026, 10, 1), actor=world.sam)
    assert e.value.message == "结束日期早于开始日期。"


def test_the_schedule_makes_each_kind_once_after_its_period(world, month, commits):
    with time_machine.travel(at(12, 2), tick=False), commits():
        made = reports_schedule()
        assert sorted((r.kind, r.period_start) for r in made) == [
            ("monthly", date(2026, 11, 1)),
            ("quarterly", date(2026, 7, 1)),
            ("weekly", date(2026, 11, 23)),
        ]
        assert reports_schedule() == []
    assert set(Report.objects.values_list("status", flat=True)) == {"draft"}
    assert all(r.requested_by is None for r in Report.objects.all())
