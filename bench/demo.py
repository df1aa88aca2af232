"""Demo-data benchmark: `serviceloop demo --tickets N` into an empty database, timed.

Prints the demo's own summary line (tickets, timeline events, breaches, escalations, pauses) and
JSON figures: wall-clock seconds, the CPU seconds of the demo process and of its search follower
(user + system; on PostgreSQL the server's own work is not in it), tickets per wall and per CPU
second, the load average before and after. On a machine shared with other
work the CPU figure is the steadier one: wall time stretches with the load, CPU time much less.

Usage:
  .venv/bin/python bench/demo.py --tickets 1000000                           # SQLite, fresh, in /tmp
  createdb -h 127.0.0.1 -U postgres sl_bench_demo
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_bench_demo \
      .venv/bin/python bench/demo.py --tickets 1000000
  dropdb -h 127.0.0.1 -U postgres sl_bench_demo

Bounded: one migrate and one demo run, nothing else; only the local database is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", default="/tmp/sl-bench-demo", help="SQLite: emptied first")
    args = parser.parse_args()
    env = dict(os.environ)
    postgres = env.get("DATABASE_URL", "").startswith("postgres")
    if not postgres:
        shutil.rmtree(args.data_dir, ignore_errors=True)
        Path(args.data_dir).mkdir(parents=True)
        env["SERVICELOOP_DATA_DIR"] = args.data_dir
    manage = [str(PYTHON), str(ROOT / "manage.py")]
    load_before = os.getloadavg()  # the machine is shared: the load says how much of it the run had
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, stderr=subprocess.DEVNULL)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # The demo's progress lines (every 100,000 tickets, with wall and CPU seconds) are passed through.
    with subprocess.Popen([*manage, "demo", "--tickets", str(args.tickets), "--seed", str(args.seed)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as run:
        for line in run.stdout:
            if line.startswith(("  ", "Done:", "Search index")):
                print(line.rstrip(), flush=True)
    if run.returncode:
        raise SystemExit(f"serviceloop demo failed ({run.returncode})")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    load = os.getloadavg()
    print(
        json.dumps(
            {
                "database": "postgresql" if postgres else "sqlite",
                "tickets": args.tickets,
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "tickets_per_wall_s": round(args.tickets / wall),
                "tickets_per_cpu_s": round(args.tickets / cpu),
                "load_average_before": [round(x, 1) for x in load_before],
                "load_average_after": [round(x, 1) for x in load],
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
