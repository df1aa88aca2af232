"""Web list benchmark: the agent workspace's ticket list at 1,000,000 tickets, through the real server.

Starts `serviceloop run` (gunicorn, 2 workers, 127.0.0.1), logs in through the login form as demo
people, and times GET / for every view (我的工单, 未分配, 我的组, 即将超时, 已超时, 全部), a filtered view,
newest-first order and a page reached by following 20 "next page" links. Each figure is the time
from sending the request to having read the whole HTML page, over loopback: the server's time plus
a fraction of a millisecond. Target (issue #4): p95 < 100 ms at 1,000,000 tickets. Prints JSON lines.

Then a bulk assign (issue #16.2): a supervisor ticks 100 open tickets (未分配, then 已超时 and 即将超时,
following "next page" links) and assigns them to one person through the list's bulk bar (POST /bulk/,
one service call per ticket), another person each round; timed from sending the form to having read
the redirect. Target: < 2 s. --bulk-rounds times (this writes to the database: use a copy).

Usage:
  .venv/bin/python bench/web_list.py                                   # SQLite in /tmp/sl-bench-sqlite
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_bench .venv/bin/python bench/web_list.py
  options: --tickets 1000000  --reads 200  --users engineer1,supervisor1  --data-dir DIR  --port 8766
           --bulk-rounds 3 (0: no bulk assign)  --bulk-user supervisor1  --bulk-size 100

The database is topped up with `serviceloop demo` to --tickets first. Every loop is bounded in count
and in time (--max-seconds per figure); only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from api import bench_env, emit, manage, peak_rss_mb, percentile, running_server, top_up, worker_pids

DEMO_PASSWORD = "demo-password-2026"  # serviceloop.demo.reference.DEMO_PASSWORD: the demo's shared login
VIEWS = ["mine", "unassigned", "group", "at_risk", "breached", "all"]


class Browser:
    """One keep-alive connection with a cookie jar: logs in through the form like a person would."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, float, str, dict]:
        headers = {"Accept-Language": "zh-hans", "Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        ms = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, ms, data.decode(errors="replace"), dict(response.headers)

    def login(self, username: str, password: str) -> None:
        status, _ms, page, _h = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise SystemExit(f"the login page answered {status}")
        status, _ms, page, headers = self.request(
            "POST",
            "/login/",
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        )
        if status != 302:
            raise SystemExit(f"logging in as {username} failed ({status}); is the demo loaded?")


def time_page(browser: Browser, path: str, count: int, max_seconds: float) -> dict:
    status, _ms, page, _h = browser.request("GET", path)  # warm the connection and the caches
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    latencies = []
    deadline = time.monotonic() + max_seconds
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        status, ms, page, _h = browser.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        latencies.append(ms)
    rows = page.count('<tr class="row-sla-')
    return {"requests": len(latencies), "rows": rows, "p50_ms": round(percentile(latencies, 50), 2),
            "p95_ms": round(percentile(latencies, 95), 2), "max_ms": round(max(latencies), 2)}


def deep_page(browser: Browser, path: str, hops: int) -> str:
    """The path of the page reached by following `hops` "next page" links from `path`."""
    for _ in range(hops):
        _status, _ms, page, _h = browser.request("GET", path)
        found = re.search(r'<a href="(\?[^"]*cursor=[^"]+)" rel="next"', page)
        if found is None:
            break
        path = "/" + found.group(1).replace("&amp;", "&")
    return path


def bulk_assign(browser: Browser, count: int, round_no: int) -> dict:
    """Tick `count` open tickets (未分配 first, then 已超时 and 即将超时, following "next page" links) and
    assign them all to one person, another one each round so that every assignment changes something."""
    numbers: dict[str, None] = {}
    page = ""
    for view in ("unassigned", "breached", "at_risk"):
        path = f"/?view={view}"
        while len(numbers) < count:
            status, _ms, page, _h = browser.request("GET", path)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}")
            numbers.update(dict.fromkeys(re.findall(r'name="numbers" value="([^"]+)"', page)))
            found = re.search(r'<a href="(\?[^"]*cursor=[^"]+)" rel="next"', page)
            if found is None:
                break
            path = "/" + found.group(1).replace("&amp;", "&")
    chosen = list(numbers)[:count]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    bar = re.search(r'<select name="bulk-owner"[^>]*>(.*?)</select>', page, re.S)
    owners = re.findall(r'<option value="(\d+)"', bar.group(1)) if bar else []
    if token is None or not owners or len(chosen) < count:
        raise SystemExit(f"no bulk bar or too few open tickets ({len(chosen)})")
    body = urlencode({"csrfmiddlewaretoken": token.group(1), "bulk-action": "assign",
                      "bulk-owner": owners[round_no % len(owners)], "next": "/?view=unassigned"})
    body += "&" + urlencode([("numbers", n) for n in chosen])
    headers = {"Accept-Language": "zh-hans", "Host": f"127.0.0.1:{browser.port}",
               "Content-Type": "application/x-www-form-urlencoded",
               "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}
    started = time.perf_counter()
    browser.conn.request("POST", "/bulk/", body=body.encode(), headers=headers)
    response = browser.conn.getresponse()
    response.read()
    ms = (time.perf_counter() - started) * 1000
    if response.status != 302:
        raise SystemExit(f"POST /bulk/ answered {response.status}")
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            browser.cookies[name] = morsel.value
    # The summary the person reads next: how many were changed.
    _status, _ms, page, _h = browser.request("GET", "/?view=unassigned")
    said = re.search(r'<li class="msg-(?:success|warning)">([^<]*)</li>', page)
    return {"assigned": len(chosen), "ms": round(ms, 1), "message": said.group(1)[:80] if said else None}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--users", default="engineer1,supervisor1",
                        help="demo logins: an engineer sees their own tickets, a supervisor every ticket")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--max-seconds", type=float, default=120, help="time bound of each figure")
    parser.add_argument("--bulk-rounds", type=int, default=3, help="bulk assigns of 100 tickets (0: none)")
    parser.add_argument("--bulk-user", default="supervisor1")
    parser.add_argument("--bulk-size", type=int, default=100, help="tickets per bulk assign (at most 100)")
    args = parser.parse_args()

    database, data_dir, env = bench_env(args.data_dir)
    manage(env, "migrate", "--verbosity", "0")
    have = top_up(env, args.tickets)
    # Fresh planner statistics, as a production database has them (autovacuum / a nightly ANALYZE).
    manage(env, "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')")
    emit(bench="setup", database=database, data_dir=data_dir, tickets=have)

    with running_server(env, args.port, ready_path="/login/") as server:
        pids = worker_pids(server.pid)
        worst = 0.0
        for username in args.users.split(","):
            browser = Browser(args.port)
            browser.login(username, DEMO_PASSWORD)
            paths = {f"view {v}": f"/?view={v}" for v in VIEWS}
            paths["全部, closed + high"] = "/?view=all&status=closed&priority=high"
            paths["全部, newest first"] = "/?view=all&order=newest"
            paths["全部, 20 pages on"] = deep_page(browser, "/?view=all", 20)
            for label, path in paths.items():
                figures = time_page(browser, path, args.reads, args.max_seconds)
                worst = max(worst, figures["p95_ms"])
                emit(
                    bench="web list",
                    user=username,
                    page=label,
                    database=database,
                    tickets=args.tickets,
                    **figures,
                )
        if args.bulk_rounds:
            browser = Browser(args.port)
            browser.login(args.bulk_user, DEMO_PASSWORD)
            timings = []
            for round_no in range(min(args.bulk_rounds, 20)):
                figures = bulk_assign(browser, min(args.bulk_size, 100), round_no)
                timings.append(figures["ms"])
                emit(bench="bulk assign", user=args.bulk_user, database=database, tickets=args.tickets,
                     **figures)
            emit(bench="bulk assign summary", rounds=len(timings), worst_ms=max(timings), target_ms=2000,
                 met=max(timings) < 2000, load_average=[round(x, 1) for x in os.getloadavg()])
        peaks = peak_rss_mb(worker_pids(server.pid) or pids)
        emit(bench="summary", database=database, worst_p95_ms=worst, target_p95_ms=100, met=worst < 100,
             worker_peak_rss_mb=max(peaks.values(), default=None))


if __name__ == "__main__":
    main()
