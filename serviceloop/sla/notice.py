"""Reading the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知) — SLA-3, issue #11.

Every November or December the State Council publishes next year's 放假调休 schedule, weeks before
the `chinesecalendar` package knows it. An administrator pastes the notice as published; this module
turns its text into the days off and the makeup working days (调休上班) of each festival, or refuses
it, quoting the line it could not read. Nothing here touches the database: the preview and the save
(sla/services) both start from the `NoticeSchedule` it returns.

The formats read are the ones used since 2010:
- ranges with 至, the end's month or year left out when it is the start's
  (1月28日至2月4日, 10月1日至7日, 2022年12月31日至2023年1月2日);
- single days (4月5日放假，共1天; 1月1日放假1天，不调休), 与周末连休 (the adjacent weekend joins the break),
  补休 (a further day off: 6月22日（星期一）补休);
- makeup days: "1月26日（周日）、2月8日（周六）上班";
- brackets with the weekday as （星期日） or （周日）, 农历 notes beside it (（农历除夕、周二）);
- full-width and half-width punctuation, traditional characters.

Sentences without 放假 / 补休 / 上班 (the advice to rest on 除夕, the closing paragraph) are skipped;
a sentence with one of those words that cannot be read refuses the whole notice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

# Traditional → simplified, only for the characters the notice's vocabulary uses (the keywords, the
# festival names, the weekday words); other characters are kept as they are.
_SIMPLIFIED = str.maketrans({
    "節": "节", "勞": "劳", "動": "动", "國": "国", "慶": "庆", "調": "调", "補": "补", "週": "周",
    "農": "农", "曆": "历", "與": "与", "連": "连", "務": "务", "辦": "办", "廳": "厅", "關": "关",
    "於": "于", "時": "时", "間": "间", "開": "开", "臘": "腊", "後": "后", "團": "团", "紀": "纪",
    "勝": "胜", "戰": "战", "爭": "争", "暨": "暨", "傳": "传", "統": "统", "陽": "阳", "曉": "晓",
    "體": "体", "種": "种", "為": "为", "會": "会", "單": "单", "貼": "贴",
})
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ITEM = re.compile(r"^\s*[一二三四五六七八九十]+\s*、\s*(?P<name>[^:]{1,60}?)\s*:\s*(?P<text>.+)$")
_TITLE_YEAR = re.compile(r"关于\s*(\d{4})\s*年.{0,12}?节假日安排")
_DATE = re.compile(
    r"(?:(?P<year>\d{4})年)?(?:(?P<month>\d{1,2})月)?(?P<day>\d{1,2})日(?:\((?P<note>[^)]*)\))?"
)
_WEEKDAY_IN_NOTE = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天])")
_COUNT = re.compile(r"共\s*(\d+)\s*天|放假\s*(\d+)\s*天")
_KEYWORDS = ("放假", "补休", "上班")


class NoticeError(ValueError):
    """The notice cannot be read: `message` says why (in the user's language), `line` is the text quoted."""

    def __init__(self, message: str, line: str = ""):
        super().__init__(f"{message} «{line}»" if line else message)
        self.message = message
        self.line = line


@dataclass
class Festival:
    """One festival of the notice: its days off (weekends inside the break included) and makeup days."""

    name: str
    line: str  # as pasted, for messages
    days_off: list[date] = field(default_factory=list)
    makeup_days: list[date] = field(default_factory=list)


@dataclass
class NoticeSchedule:
    """What a notice says for one year, festival by festival, in the notice's order."""

    year: int
    festivals: list[Festival]

    def days(self) -> list[tuple[date, bool, str]]:
        """Every day the notice sets, as (date, is_working, name) sorted by date: what the day table stores.

        Makeup days are named like the package import names them (春节调休上班).
        """
        from .calendar import MAKEUP_SUFFIX

        rows = [(d, False, f.name) for f in self.festivals for d in f.days_off]
        rows += [(d, True, f.name + MAKEUP_SUFFIX) for f in self.festivals for d in f.makeup_days]
        return sorted(rows)


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), traditional to simplified for the notice's words, one space style."""
    text = unicodedata.normalize("NFKC", text or "").translate(_SIMPLIFIED)
    # NFKC keeps the ideographic full stop and comma; 「：」 and 「（）」 become ":" and "()".
    return text.replace("\u3000", " ").replace("\r\n", "\n").replace("\r", "\n")


def parse_notice(text: str, *, year: int | None = None) -> NoticeSchedule:
    """Read a notice; `year` is the year the administrator means (the notice's own title must agree).

    Raises NoticeError naming the offending line for a notice of another year, a date that does not
    exist, a weekday in brackets that does not match its date, a makeup day on a weekday or inside a
    break, overlapping breaks, a day count (共N天) that does not match the range, or a text with no
    holiday line at all.
    """
    lines = _joined_lines(text)
    if not lines:
        raise NoticeError(_("The notice is empty: paste the whole text of the State Council's notice."))
    notice_year = _notice_year([line for _pasted, line in lines])
    if year is not None and notice_year is not None and notice_year != year:
        title = next(pasted for pasted, line in lines if _TITLE_YEAR.search(line))
        raise NoticeError(
            _("This notice is for %(notice)d, not for %(year)d.") % {"notice": notice_year, "year": year},
            title,
        )
    year = year or notice_year
    festivals = []
    for pasted, line in lines:
        match = _ITEM.match(line)
        if match is None:
            if any(word in line for word in ("放假", "补休")) and re.search(r"\d+月\d+日", line) and year:
                raise NoticeError(_("This line is not a numbered festival item (一、元旦：…)."), pasted)
            continue
        if year is None:
            raise NoticeError(_("The notice's year is not in its title; choose the year it is for."), pasted)
        festivals.append(_festival(match.group("name").strip(), match.group("text"), pasted, year))
    if not festivals:
        raise NoticeError(_("No holiday arrangement was found in this text (lines such as "
                            "“一、元旦：1月1日放假…”)."), lines[0][0][:80])
    _check_across(festivals)
    return NoticeSchedule(year=year, festivals=festivals)


def _joined_lines(text: str) -> list[tuple[str, str]]:
    """(as pasted, normalised) for each non-empty line; a festival item cut mid-sentence (copied from
    a narrow page) is joined again. Errors quote the line as pasted, so the administrator finds it."""
    lines: list[tuple[str, str]] = []
    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        pasted, line = raw.strip(), normalise(raw).strip()
        if not line:
            continue
        if lines and _ITEM.match(lines[-1][1]) and not lines[-1][1].endswith("。") and not _ITEM.match(line):
            lines[-1] = (lines[-1][0] + pasted, lines[-1][1] + line)
        else:
            lines.append((pasted, line))
    return lines


def _notice_year(lines: list[str]) -> int | None:
    for line in lines:
        match = _TITLE_YEAR.search(line)
        if match:
            return int(match.group(1))
    return None


def _festival(name: str, text: str, line: str, year: int) -> Festival:
    festival = Festival(name=name, line=line)
    for sentence in (s.strip() for s in text.split("。")):
        if not sentence or not any(word in sentence for word in _KEYWORDS):
            continue
        holiday, makeup = sentence, ""
        if "上班" in sentence:
            # "…放假调休，共3天，1月4日（周日）上班": the makeup dates follow the last comma before 上班.
            before = sentence[:sentence.index("上班")]
            cut = before.rfind(",")
            holiday, makeup = (sentence[:cut], sentence[cut + 1:]) if cut >= 0 else ("", sentence)
        if "放假" in holiday or "补休" in holiday:
            _holiday_sentence(festival, holiday, year)
        elif holiday.strip():
            raise NoticeError(_("This sentence cannot be read: %(sentence)s") % {"sentence": sentence}, line)
        if makeup:
            _makeup_sentence(festival, makeup, year)
    if not festival.days_off:
        raise NoticeError(_("No day off could be read in this line."), line)
    festival.days_off.sort()
    festival.makeup_days.sort()
    return festival


def _dates(fragment: str, year: int, line: str) -> list[tuple[date, re.Match]]:
    """Every date in `fragment`, the month (and year) of a date carried over to the next when left out."""
    found, month, last = [], None, None
    for match in _DATE.finditer(fragment):
        y = int(match.group("year")) if match.group("year") else (last.year if last else year)
        m = int(match.group("month")) if match.group("month") else month
        if m is None:
            raise NoticeError(_("A date without its month cannot be read."), line)
        try:
            day = date(y, m, int(match.group("day")))
        except ValueError:
            raise NoticeError(
                _("%(month)d月%(day)s日 is not a date.") % {"month": m, "day": match.group("day")}, line
            ) from None
        if last is not None and day < last and not match.group("year"):
            # "12月31日至1月2日": the end of a range across the year's end belongs to the next year.
            try:
                day = day.replace(year=day.year + 1)
            except ValueError:
                raise NoticeError(
                    _("%(month)d月%(day)s日 is not a date.") % {"month": m, "day": match.group("day")}, line
                ) from None
        _check_weekday(day, match.group("note"), line)
        found.append((day, match))
        month, last = day.month, day
    return found


def _check_weekday(day: date, note: str | None, line: str) -> None:
    if not note:
        return
    written = _WEEKDAY_IN_NOTE.search(note)
    if written and _WEEKDAY[written.group(1)] != day.weekday():
        raise NoticeError(
            _("%(date)s is a %(actual)s, not a %(written)s as the brackets say.")
            % {"date": f"{day.month}月{day.day}日", "actual": _weekday_name(day.weekday()),
               "written": "周" + written.group(1)}, line)


def _weekday_name(weekday: int) -> str:
    return "周" + "一二三四五六日"[weekday]


def _holiday_sentence(festival: Festival, sentence: str, year: int) -> None:
    """
    "1月28日（…）至2月4日（…）放假调休，共8天" / "4月5日放假，4月6日（星期一）补休" / "…放假，与周末连休".
    """
    head, _sep, tail = sentence.partition("放假") if "放假" in sentence else ("", "", sentence)
    days: list[date] = []
    if head:
        dates = _dates(head, year, festival.line)
        if not dates or len(dates) > 2 or (len(dates) == 2 and "至" not in head):
            raise NoticeError(_("The days off in this line cannot be read."), festival.line)
        start, end = dates[0][0], dates[-1][0]
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    for clause in tail.split(","):
        if "补休" in clause:
            days += [d for d, _m in _dates(clause, year, festival.line)]
    count = _COUNT.search("放假" + tail if head else tail)
    if count:
        declared = int(count.group(1) or count.group(2))
        if declared != len(days):
            raise NoticeError(_("The line says %(declared)d days but its dates give %(counted)d.")
                              % {"declared": declared, "counted": len(days)}, festival.line)
    if "与周末连休" in sentence:
        days = _with_adjacent_weekend(days)
    if set(days) & set(festival.days_off) or len(set(days)) != len(days):
        raise NoticeError(_("A day is listed twice in this line."), festival.line)
    festival.days_off += days


def _with_adjacent_weekend(days: list[date]) -> list[date]:
    """与周末连休: the Saturday and Sunday next to the break are part of it."""
    if not days:
        return days
    out = set(days)
    before = min(days) - timedelta(days=1)
    while before.weekday() >= 5:
        out.add(before)
        before -= timedelta(days=1)
    after = max(days) + timedelta(days=1)
    while after.weekday() >= 5:
        out.add(after)
        after += timedelta(days=1)
    return sorted(out)


def _makeup_sentence(festival: Festival, sentence: str, year: int) -> None:
    """"1月26日（周日）、2月8日（周六）上班": each date is a weekend day that becomes a working day."""
    dates = _dates(sentence[:sentence.index("上班")], year, festival.line)
    if not dates:
        raise NoticeError(_("The makeup working days in this line cannot be read."), festival.line)
    for day, _match in dates:
        if day.weekday() < 5:
            raise NoticeError(
                _("%(date)s (%(weekday)s) is already a working day; a makeup day falls on a weekend.")
                % {"date": f"{day.month}月{day.day}日", "weekday": _weekday_name(day.weekday())},
                festival.line,
            )
        festival.makeup_days.append(day)


def _check_across(festivals: list[Festival]) -> None:
    """Breaks must not overlap, and no makeup day may fall inside a break."""
    seen: dict[date, Festival] = {}
    for festival in festivals:
        for day in festival.days_off:
            other = seen.get(day)
            if other is not None:
                raise NoticeError(_("%(date)s is in the breaks of both “%(first)s” and “%(second)s”.")
                                  % {"date": f"{day.month}月{day.day}日", "first": other.name,
                                     "second": festival.name}, festival.line)
            seen[day] = festival
    for festival in festivals:
        for day in festival.makeup_days:
            if day in seen:
                raise NoticeError(_("The makeup working day %(date)s lies inside the break of “%(name)s”.")
                                  % {"date": f"{day.month}月{day.day}日", "name": seen[day].name},
                                  festival.line)
