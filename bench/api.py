"""API benchmark: starts the real server (gunicorn, 2 workers, 127.0.0.1) and prints JSON lines.

The path a team uses (the default): `serviceloop run` with its job worker, every ticket for a contact with
an e-mail address and a phone, and the customer's acknowledgement (INT-7) going out through the outbox to a
real SMTP server on loopback (aiosmtpd). Each create phase waits until every acknowledgement has arrived and
reports the CPU the web workers and the job worker spent per ticket. `--bare` measures the old way: no job
worker, no contact, nothing sent.

  (a) POST /api/v1/tickets: 2,000 sequential, then 2,000 from 8 concurrent clients → tickets/s, p50, p95,
      acknowledgements received and how long after the last create, CPU ms per ticket (web, job worker)
  (b) GET the first page of /api/v1/tickets, unfiltered and filtered by status+priority, at each size
      (default 100,000 and 1,000,000 tickets; the database is topped up with `serviceloop demo`)
  (c) the peak RSS of the web workers

Usage:
  .venv/bin/python bench/api.py                                  # SQLite in /tmp/sl-bench-sqlite
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_bench .venv/bin/python bench/api.py
  options: --sizes 100000,1000000  --creates 2000  --reads 300  --data-dir DIR  --port 8765
  --compare-rows N: instead, N rounds of 8-client creates alternating between core/rows.py's composed SQL
      (COMPOSED_ROWS=1, the default) and the ORM's own INSERTs (COMPOSED_ROWS=0), on one database in one run,
      so a loaded machine affects both sides alike; prints each round and the medians' ratio (issue #10.6)

Every loop is bounded in count and in time (--max-seconds per phase); only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def manage(env: dict, *args: str, capture: bool = True) -> str:
    result = subprocess.run([PY, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True,
                            capture_output=capture, text=True)
    return result.stdout if capture else ""


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


class Client:
    """One keep-alive HTTP connection to the server, timing each request in milliseconds."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Accept-Language": "zh-hans"}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, float, bytes]:
        payload = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        self.conn.request(method, path, body=payload, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (time.perf_counter() - started) * 1000, data


def ticket_body(org_id: int, i: int, contact_id: int | None = None) -> dict:
    body = {
        "title": f"压测工单 {i}：设备 X-3000 无法开机",
        "description": "客户反馈上电后无显示，提示错误代码500。",
        "organization_id": org_id,
        "channel": "api",
        "urgency": "important",
        "error_code": "E500",
    }
    if contact_id is not None:
        body["contact_id"] = contact_id
    return body


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def split_children(master: int) -> tuple[list[int], list[int]]:
    """The server's children: (web workers, the job worker)."""
    web, jobs = [], []
    for pid in worker_pids(master):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        (jobs if b"worker" in cmdline else web).append(pid)
    return web, jobs


class Acknowledgements:
    """aiosmtpd on 127.0.0.1 counting the acknowledgements it receives."""

    def __init__(self):
        sys.path.insert(0, str(ROOT))
        from tests.recorders import SmtpRecorder

        self.smtp = SmtpRecorder().start()
        self.port = self.smtp.port

    def count(self) -> int:
        return len(self.smtp.messages)

    def wait_for(self, total: int, max_seconds: float) -> float | None:
        """Seconds until `total` mails have arrived; None if they did not within `max_seconds`."""
        started = time.monotonic()
        while time.monotonic() - started < max_seconds:
            if self.count() >= total:
                return time.monotonic() - started
            time.sleep(0.05)
        return None


def bench_creates(port: int, token: str, org_id: int, count: int, clients: int, max_seconds: float,
                  contact_id: int | None = None) -> dict:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    per_client = count // clients

    def run(offset: int):
        nonlocal failures
        client = Client(port, token)
        mine = []
        for i in range(per_client):
            if time.monotonic() > deadline:
                break
            status, ms, data = client.request(
                "POST", "/api/v1/tickets", ticket_body(org_id, offset + i, contact_id)
            )
            if status != 201:
                with lock:
                    failures += 1
                    if failures <= 3:
                        print(f"# create failed with {status}: {data[:300]!r}", file=sys.stderr)
            mine.append(ms)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n * per_client,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_seconds + 30)
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "failures": failures,
        "tickets_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "created": len(latencies) - failures,
    }


def bench_team_creates(port: int, token: str, org_id: int, contact_id: int, count: int, clients: int,
                       max_seconds: float, master: int, acks: Acknowledgements) -> dict:
    """Creates as a team runs them: each waits for its acknowledgement mail; CPU per ticket by process."""
    web, jobs = split_children(master)
    before = {pid: cpu_seconds(pid) for pid in web + jobs}
    acks_before = acks.count()
    result = bench_creates(port, token, org_id, count, clients, max_seconds, contact_id)
    lag = acks.wait_for(acks_before + result["created"], max_seconds)
    spent = {pid: cpu_seconds(pid) - before[pid] for pid in before}
    per = max(result["created"], 1)
    return {**result, "acks_received": acks.count() - acks_before,
            "acks_done_s_after_last_create": None if lag is None else round(lag, 2),
            "web_cpu_ms_per_ticket": round(sum(spent[p] for p in web) * 1000 / per, 2),
            "worker_cpu_ms_per_ticket": round(sum(spent[p] for p in jobs) * 1000 / per, 2)}


def bench_reads(port: int, token: str, path: str, count: int, max_seconds: float) -> dict:
    client = Client(port, token)
    client.request("GET", path)  # warm the connection and caches
    latencies = []
    deadline = time.monotonic() + max_seconds
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        status, ms, data = client.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}: {data[:300]!r}")
        latencies.append(ms)
    return {"requests": len(latencies), "p50_ms": round(percentile(latencies, 50), 2),
            "p95_ms": round(percentile(latencies, 95), 2), "mean_ms": round(statistics.fmean(latencies), 2)}


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def peak_rss_mb(pids: list[int]) -> dict[int, float]:
    peaks = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = round(int(line.split()[1]) / 1024, 1)
        except FileNotFoundError:
            continue
    return peaks


def wait_until_up(port: int, path: str = "/api/v1/openapi.json", seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not start")


def bench_env(data_dir: str | None) -> tuple[str, str, dict]:
    """The database in use (DATABASE_URL or SQLite), the data directory, and the environment for manage.py."""
    database = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    data_dir = data_dir or f"/tmp/sl-bench-{database}"
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    return (
        database,
        data_dir,
        {**os.environ, "SERVICELOOP_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )


def top_up(env: dict, tickets: int) -> int:
    """Fill the database with `serviceloop demo` up to `tickets` tickets; the count there is afterwards."""
    have = int(
        manage(
            env, "shell", "-c", "from serviceloop.tickets.models import Ticket; print(Ticket.objects.count())"
        )
        .strip()
        .splitlines()[-1]
    )
    if have < tickets:
        started = time.perf_counter()
        manage(env, "demo", "--tickets", str(tickets - have))
        emit(
            bench="topup",
            tickets=tickets,
            added=tickets - have,
            seconds=round(time.perf_counter() - started, 1),
        )
    return max(have, tickets)


@contextlib.contextmanager
def running_server(
    env: dict,
    port: int,
    ready_path: str = "/api/v1/openapi.json",
    extra_env: dict | None = None,
    worker: bool = False,
):
    """`serviceloop run` with 2 workers on 127.0.0.1 (WEB_THREADS, default 1), with or without its job
    worker, stopped however the block ends."""
    server = subprocess.Popen(
        [
            PY,
            str(ROOT / "manage.py"),
            "run",
            "--no-demo",
            *([] if worker else ["--no-worker"]),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env={**env, "WEB_THREADS": os.environ.get("WEB_THREADS", "1"), **(extra_env or {})},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_up(port, ready_path)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--max-seconds", type=float, default=300, help="time bound of each timed phase")
    parser.add_argument("--compare-rows", type=int, default=0, metavar="ROUNDS")
    parser.add_argument("--bare", action="store_true",
                        help="the old configuration: no job worker, no contact on the tickets, nothing sent")
    args = parser.parse_args()

    database, data_dir, env = bench_env(args.data_dir)
    manage(env, "migrate", "--verbosity", "0")
    setup = manage(env, "shell", "-c", (
        "from serviceloop.accounts.models import User\n"
        "from serviceloop.accounts.services import user_create, token_create\n"
        "from serviceloop.customers.models import Organization\n"
        "u = User.objects.filter(username='bench-agent').first() or user_create(username='bench-agent', "
        "password='bench-password-1', role='agent', check_password=False)\n"
        "from serviceloop.customers.models import Contact\n"
        "org, _ = Organization.objects.get_or_create(name='压测客户有限公司')\n"
        "c, _ = Contact.objects.get_or_create(organization=org, name='压测联系人', "
        "defaults={'email': 'bench-contact@example.test', 'phone': '13800138000'})\n"
        "print(token_create(user=u, name='bench')[1], org.pk, c.pk)\n"))
    token, org_id, contact_id = setup.strip().splitlines()[-1].split()
    emit(bench="setup", database=database, data_dir=data_dir)
    if args.compare_rows:
        compare_rows(env, args, token, int(org_id), database)
        return

    acks = None if args.bare else Acknowledgements()
    team_env = {} if args.bare else {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                     "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(acks.port)}
    with running_server(env, args.port, extra_env=team_env, worker=not args.bare) as server:
        pids = worker_pids(server.pid)
        emit(bench="server", master=server.pid, workers=pids, path="bare" if args.bare else "team")
        for mode, clients in (("sequential", 1), ("8 concurrent clients", 8)):
            if args.bare:
                figures = bench_creates(
                    args.port, token, int(org_id), args.creates, clients, args.max_seconds
                )
            else:
                figures = bench_team_creates(
                    args.port,
                    token,
                    int(org_id),
                    int(contact_id),
                    args.creates,
                    clients,
                    args.max_seconds,
                    server.pid,
                    acks,
                )
            emit(
                bench="create", mode=mode, path="bare" if args.bare else "team", database=database, **figures
            )

        for size in [int(s) for s in args.sizes.split(",") if s]:
            top_up(env, size)
            if database == "postgresql":
                manage(env, "dbshell", "--", "-c", "VACUUM ANALYZE tickets_ticket")
            for label, path in (("unfiltered", "/api/v1/tickets"),
                                ("status+priority", "/api/v1/tickets?status=in_progress&priority=high")):
                emit(bench="list first page", filter=label, tickets=size, database=database,
                     **bench_reads(args.port, token, path, args.reads, args.max_seconds))

        peaks = peak_rss_mb(worker_pids(server.pid) or pids)
        emit(
            bench="worker peak RSS", database=database, rss_mb=peaks, max_mb=max(peaks.values(), default=None)
        )
    if acks is not None:
        acks.smtp.stop()


def compare_rows(env: dict, args, token: str, org_id: int, database: str) -> None:
    """8-client creates with core/rows.py's composed SQL and with the ORM, alternating round by round."""
    rates: dict[str, list[float]] = {"composed": [], "orm": []}
    for round_no in range(args.compare_rows):
        for label, flag in (("composed", "1"), ("orm", "0")):
            with running_server(env, args.port, extra_env={"COMPOSED_ROWS": flag}):
                bench_creates(args.port, token, org_id, 200, 8, args.max_seconds)  # warm both workers
                result = bench_creates(args.port, token, org_id, args.creates, 8, args.max_seconds)
            rates[label].append(result["tickets_per_s"])
            emit(bench="create, 8 clients", rows=label, round=round_no + 1, database=database, **result)
    composed, orm = statistics.median(rates["composed"]), statistics.median(rates["orm"])
    emit(bench="composed rows vs ORM", database=database, median_composed=composed, median_orm=orm,
         gain_pct=round((composed / orm - 1) * 100, 1))


if __name__ == "__main__":
    main()
