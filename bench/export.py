"""Export benchmark (issue #15, USR-7): the whole ticket list as CSV and as XLSX through the real server.

Starts `serviceloop run` (gunicorn, 2 workers, 127.0.0.1), logs in through the login form as a demo
supervisor (who sees every ticket), and downloads /export.csv?view=all and /export.xlsx?view=all once
each, reading the body as it streams. Prints the rows, the seconds from request to last byte, the
bytes, and the web workers' peak RSS. Targets: 1,000,000 rows in < 60 s, worker RSS < 250 MB.

Usage:
  .venv/bin/python bench/export.py                                     # SQLite in /tmp/sl-bench-sqlite
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_bench .venv/bin/python bench/export.py
  options: --tickets 1000000  --user supervisor1  --formats csv,xlsx  --data-dir DIR  --port 8767

The database is topped up with `serviceloop demo` to --tickets first. Only 127.0.0.1 is contacted; each
download is bounded by --max-seconds.
"""

from __future__ import annotations

import argparse
import io
import time
import zipfile

from api import bench_env, emit, manage, peak_rss_mb, running_server, top_up, worker_pids
from web_list import DEMO_PASSWORD, Browser


def download(browser: Browser, path: str, max_seconds: float) -> tuple[float, int, bytes]:
    """Seconds to the last byte, bytes read, and the body (kept only for XLSX, to count its rows)."""
    headers = {"Accept-Language": "zh-hans", "Host": f"127.0.0.1:{browser.port}",
               "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}
    browser.conn.timeout = max_seconds
    started = time.perf_counter()
    browser.conn.request("GET", path, headers=headers)
    response = browser.conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    keep = io.BytesIO() if path.startswith("/export.xlsx") else None
    size, newlines = 0, 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
        newlines += chunk.count(b"\n")
        if keep is not None:
            keep.write(chunk)
        if time.perf_counter() - started > max_seconds:
            raise SystemExit(f"GET {path} took over {max_seconds} s")
    seconds = time.perf_counter() - started
    if keep is None:
        return seconds, size, newlines - 1  # the header line
    with zipfile.ZipFile(keep) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    return seconds, size, sheet.count(b"<row ") - 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--user", default="supervisor1")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()

    database, data_dir, env = bench_env(args.data_dir)
    manage(env, "migrate", "--verbosity", "0")
    have = top_up(env, args.tickets)
    emit(bench="setup", database=database, data_dir=data_dir, tickets=have)

    # The export may run as long as its target allows: gunicorn's default timeout would cut it at 60 s.
    with running_server({**env, "WEB_TIMEOUT": str(int(args.max_seconds) + 30)}, args.port,
                        ready_path="/login/") as server:
        pids = worker_pids(server.pid)
        browser = Browser(args.port)
        browser.login(args.user, DEMO_PASSWORD)
        for fmt in args.formats.split(","):
            seconds, size, rows = download(browser, f"/export.{fmt}?view=all&order=newest", args.max_seconds)
            emit(bench="export", format=fmt, database=database, rows=rows, seconds=round(seconds, 1),
                 mb=round(size / 1e6, 1), rows_per_s=round(rows / seconds), target_seconds=60)
        peaks = peak_rss_mb(worker_pids(server.pid) or pids)
        emit(
            bench="worker peak RSS",
            database=database,
            rss_mb=peaks,
            max_mb=max(peaks.values(), default=None),
            target_mb=250,
        )


if __name__ == "__main__":
    main()
