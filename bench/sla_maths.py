"""SLA deadline-maths benchmark: one process, no database; prints one JSON line per function.

  add_business_minutes  240 business minutes (4 h), without and with two pauses
  add_working_days      3 working days
  add_calendar_minutes  24 h
  business_minutes_between  two instants 0–5 days apart

Starts are spread over 2026 (holidays, makeup days, nights, lunch breaks) on the default
calendar, with a warm cache as in a long-running worker; a "cold" line builds a fresh calendar
for every call, the worst case of a process that has just started.

Usage: .venv/bin/python bench/sla_maths.py [--calls 50000]
Every loop is bounded by --calls.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from serviceloop.sla import deadlines
from serviceloop.sla.calendar import WorkingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def starts(count: int) -> list[datetime]:
    """`count` instants spread over 2026, to the second, from a fixed seed."""
    rng = random.Random(2026)
    origin = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    return [origin + timedelta(seconds=rng.randrange(360 * 86_400)) for _ in range(count)]


def measure(name: str, calls: int, call: Callable[[int], object]) -> dict:
    """Run `call(i)` for i in range(calls) and report calls per second."""
    began = time.perf_counter()
    for i in range(calls):
        call(i)
    seconds = time.perf_counter() - began
    return {"bench": "sla_maths", "function": name, "calls": calls, "seconds": round(seconds, 3),
            "ops_per_s": round(calls / seconds)}


def main() -> None:
    """Print the JSON lines."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=50_000)
    args = parser.parse_args()
    calls = args.calls
    cal = WorkingCalendar()
    points = starts(1000)
    ends = [p + timedelta(minutes=random.Random(i).randrange(5 * 1440)) for i, p in enumerate(points)]
    pauses = [
        [(p + timedelta(hours=1), p + timedelta(hours=3)), (p + timedelta(hours=20), p + timedelta(hours=22))]
        for p in points
    ]
    n = len(points)
    results = [
        measure(
            "add_business_minutes(240)",
            calls,
            lambda i: deadlines.add_business_minutes(points[i % n], 240, cal),
        ),
        measure(
            "add_business_minutes(240, 2 pauses)",
            calls,
            lambda i: deadlines.add_business_minutes(points[i % n], 240, cal, pauses[i % n]),
        ),
        measure("add_working_days(3)", calls, lambda i: deadlines.add_working_days(points[i % n], 3, cal)),
        measure(
            "add_calendar_minutes(1440)", calls, lambda i: deadlines.add_calendar_minutes(points[i % n], 1440)
        ),
        measure(
            "business_minutes_between(0-5 days)",
            calls,
            lambda i: deadlines.business_minutes_between(points[i % n], ends[i % n], cal),
        ),
        measure(
            "add_business_minutes(240), cold calendar",
            min(calls, 5_000),
            lambda i: deadlines.add_business_minutes(points[i % n], 240, WorkingCalendar()),
        ),
    ]
    for line in results:
        print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()
