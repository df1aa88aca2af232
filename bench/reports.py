"""Reports benchmark (issue #15): the dashboard and distributions (bench/reports_dashboard.py), then the
periodic report, the 1,000,000-row export and the customer's SLA report (bench/reports_periodic.py), one
after the other on the same database, each printing its JSON lines.

Usage (on a copy of a demo data dir, or a PostgreSQL database given by DATABASE_URL):
  SERVICELOOP_DATA_DIR=/tmp/sl-1m .venv/bin/python bench/reports.py
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_1m .venv/bin/python bench/reports.py
Run the two scripts directly for their own options (--reads, --changes, --tasks, --max-rows …).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    sqlite_dir = os.environ.get("SERVICELOOP_DATA_DIR") if "DATABASE_URL" not in os.environ else None
    periodic = ["--data-dir", sqlite_dir] if sqlite_dir else []
    for script, extra in (("reports_dashboard.py", []), ("reports_periodic.py", periodic)):
        status |= subprocess.run([sys.executable, str(HERE / script), *extra], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
