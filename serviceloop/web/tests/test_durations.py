"""Durations in words (issue #16.8): "6 天 11 小时" / "6 d 11 h", from the one filter module, wherever a
duration is shown (SLA countdowns, overdue, the timeline's resolution time, the KPI times)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from serviceloop.web.templatetags.sla_time import duration_words


@pytest.mark.parametrize(
    "minutes,zh,en",
    [
        (6 * 1440 + 11 * 60 + 5, "6 天 11 小时", "6 d 11 h"),
        (2 * 1440, "2 天", "2 d"),
        (3 * 60 + 20, "3 小时 20 分钟", "3 h 20 min"),
        (60, "1 小时", "1 h"),
        (45, "45 分钟", "45 min"),
        (0, "0 分钟", "0 min"),
        (-(6 * 1440 + 11 * 60), "6 天 11 小时", "6 d 11 h"),  # overdue: the template says so
    ],
)
def test_a_duration_reads_as_people_say_it(minutes, zh, en):
    with translation.override("zh-hans"):
        assert duration_words(minutes) == zh
    with translation.override("en"):
        assert duration_words(minutes) == en


def test_the_filters_take_minutes_seconds_and_instants():
    template = Template(
        "{% load sla_time %}{{ m|minutes_span }}|{{ s|minutes_span_seconds }}|{{ due|span_from_now }}|"
        "{{ x|minutes_span }}"
    )
    due = timezone.now() + timedelta(days=1, hours=2, seconds=30)
    with translation.override("zh-hans"):
        text = template.render(Context({"m": 90, "s": 7200, "due": due, "x": "nonsense"}))
    assert text == "1 小时 30 分钟|2 小时|1 天 2 小时|"
