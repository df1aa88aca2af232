"""Reading the State Council's holiday notice (issue #11): the real notices give the package's days,
every format since 2010 is read, and a line that cannot be read is refused with that line quoted."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from django.utils import translation

from serviceloop.sla.notice import NoticeError, normalise, parse_notice

NOTICES = Path(__file__).parent / "notices"


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked in English; the zh-Hans catalogue has them too."""
    with translation.override("en"):
        yield


def notice(name: str) -> str:
    return (NOTICES / name).read_text(encoding="utf-8")


def working(schedule, day: date) -> bool:
    """A day's status from the notice alone: its rows first, then Monday–Friday."""
    rows = {d: w for d, w, _name in schedule.days()}
    return rows.get(day, day.weekday() < 5)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_real_notice_gives_every_day_of_the_year_as_chinesecalendar_does(year):
    schedule = parse_notice(notice(f"{year}.txt"), year=year)
    day, wrong = date(year, 1, 1), []
    while day.year == year:
        if working(schedule, day) != chinese_calendar.is_workday(day):
            wrong.append(day)
        day += timedelta(days=1)
    assert wrong == []
    assert schedule.year == year


def test_it_names_each_festival_and_its_makeup_days_as_the_notice_does():
    schedule = parse_notice(notice("2025.txt"), year=2025)
    names = [f.name for f in schedule.festivals]
    assert names == ["元旦", "春节", "清明节", "劳动节", "端午节", "国庆节、中秋节"]
    spring = schedule.festivals[1]
    assert (spring.days_off[0], spring.days_off[-1], len(spring.days_off)) == (
        date(2025, 1, 28),
        date(2025, 2, 4),
        8,
    )
    assert spring.makeup_days == [date(2025, 1, 26), date(2025, 2, 8)]
    rows = dict(((d, w), n) for d, w, n in schedule.days())
    assert rows[(date(2025, 1, 26), True)] == "春节调休上班"
    assert rows[(date(2025, 10, 6), False)] == "国庆节、中秋节"


def test_the_advice_to_rest_on_new_years_eve_is_not_a_day_off():
    schedule = parse_notice(notice("2024.txt"), year=2024)
    assert date(2024, 2, 9) not in schedule.festivals[1].days_off


def test_a_break_across_the_year_end_belongs_to_both_years():
    schedule = parse_notice("国务院办公厅关于2023年部分节假日安排的通知\n"
                            "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。", year=2023)
    assert schedule.festivals[0].days_off == [date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)]


def test_a_range_written_without_the_end_year_crosses_the_year_end():
    schedule = parse_notice("一、元旦：12月31日至1月2日放假调休，共3天。", year=2022)
    assert schedule.festivals[0].days_off[-1] == date(2023, 1, 2)


def test_it_reads_compensatory_days_off_single_days_and_joined_weekends_of_older_notices():
    text = ("国务院办公厅关于2015年部分节假日安排的通知\n"
            "三、清明节：4月5日放假，4月6日（星期一）补休。\n"
            "四、劳动节：5月1日放假，与周末连休。\n"
            "五、端午节：6月20日放假，6月22日（星期一）补休。\n"
            "六、中秋节：9月27日放假，共1天。\n")
    schedule = parse_notice(text, year=2015)
    qingming, labour, dragon, autumn = schedule.festivals
    assert qingming.days_off == [date(2015, 4, 5), date(2015, 4, 6)]
    assert labour.days_off == [date(2015, 5, 1), date(2015, 5, 2), date(2015, 5, 3)]
    assert dragon.days_off == [date(2015, 6, 20), date(2015, 6, 22)]
    assert autumn.days_off == [date(2015, 9, 27)]
    for day in (*qingming.days_off, *dragon.days_off):
        assert not chinese_calendar.is_workday(day)


def test_half_width_punctuation_traditional_characters_and_wrapped_lines_read_the_same():
    simplified = parse_notice(notice("2026.txt"), year=2026)
    traditional = (notice("2026.txt").replace("节", "節").replace("国", "國").replace("庆", "慶")
                   .replace("调", "調").replace("周", "週").replace("农历", "農曆").replace("劳动", "勞動"))
    half_width = (
        notice("2026.txt").replace("（", "(").replace("）", ")").replace("：", ":").replace("，", ",")
    )
    wrapped = notice("2026.txt").replace("放假调休，共9天。", "放假调休，\n共9天。")
    for text in (traditional, half_width, wrapped):
        assert parse_notice(text, year=2026).days() == simplified.days()


def test_the_normalised_text_has_half_width_brackets_and_simplified_keywords():
    assert normalise("國慶節：10月1日（星期四）") == "国庆节:10月1日(星期四)"


@pytest.mark.parametrize(
    "text,expected_line,message",
    [
        (notice("2026.txt"), "国务院办公厅关于2026年部分节假日安排的通知", "2026, not for 2027"),
        (
            "一、春节：2月30日至3月2日放假调休，共3天。",
            "一、春节：2月30日至3月2日放假调休，共3天。",
            "is not a date",
        ),
        (
            "一、国庆节：10月1日至7日放假调休，共7天。\n二、中秋节：10月6日放假。",
            "二、中秋节：10月6日放假。",
            "both",
        ),
        (
            "一、春节：2月5日至13日放假调休，共9天。2月7日（周日）上班。",
            "一、春节：2月5日至13日放假调休，共9天。2月7日（周日）上班。",
            "inside the break",
        ),
        (
            "一、元旦：1月1日（周四）放假1天，不调休。",
            "一、元旦：1月1日（周四）放假1天，不调休。",
            "is a 周五",
        ),
        (
            "一、春节：2月5日至13日放假调休，共9天。2月17日（周三）上班。",
            "一、春节：2月5日至13日放假调休，共9天。2月17日（周三）上班。",
            "already a working day",
        ),
        (
            "一、劳动节：5月1日至5日放假调休，共4天。",
            "一、劳动节：5月1日至5日放假调休，共4天。",
            "says 4 days",
        ),
        ("", "", "empty"),
        (
            "这是一段与节假日无关的文字。\n明天开会。",
            "这是一段与节假日无关的文字。",
            "No holiday arrangement",
        ),
        ("一、元旦：放假调休，共3天。", "一、元旦：放假调休，共3天。", "says 3 days"),
        ("一、元旦：1月2日（周六）上班。", "一、元旦：1月2日（周六）上班。", "No day off"),
    ],
)
def test_a_notice_that_cannot_be_read_is_refused_quoting_the_line(text, expected_line, message):
    with pytest.raises(NoticeError) as refused:
        parse_notice(text, year=2027)
    assert message in refused.value.message
    assert refused.value.line == expected_line  # quoted as pasted, full-width punctuation and all


def test_a_plausible_2027_notice_reads_into_its_festivals():
    schedule = parse_notice(notice("2027-plausible.txt"), year=2027)
    assert [len(f.days_off) for f in schedule.festivals] == [3, 9, 3, 5, 1, 1, 7]
    assert schedule.festivals[0].days_off == [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)]
    assert date(2027, 1, 4) not in {d for d, _w, _n in schedule.days()}  # an ordinary Monday
