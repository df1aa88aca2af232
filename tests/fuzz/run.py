"""API fuzzing in CI (issue #9): schemathesis against the OpenAPI a real `serviceloop run` serves.

    .venv/bin/python tests/fuzz/run.py            # SQLite in a throwaway data directory
    DATABASE_URL=postgres://…/test .venv/bin/python tests/fuzz/run.py   # a fresh PostgreSQL database

A throwaway data directory (and, on PostgreSQL, a database of its own, dropped afterwards) gets the
demo data, an administrator and a customer contact with an API token each; the server runs with two
workers, no job worker. schemathesis then sends its generated requests as each of them, with every
check the API must pass: no 5xx (not_a_server_error), only documented statuses, content types and
headers, response bodies that match the schema, schema-violating requests refused
(negative_data_rejection), 405 with Allow for other methods, 401 without the token (ignored_auth) …

One check is left out, on purpose: positive_data_acceptance expects every schema-valid request to
succeed, but much of what the API refuses with 422 no JSON Schema can say: an id that does not exist
or is not the caller's, an end before its start, a date outside INPUT_YEAR_MIN..MAX, a calendar
window that ends before it begins, an escalation without a person or a department.

Bounded: FUZZ_SECONDS (default 60) per login and FUZZ_EXAMPLES (default 25) per operation. Exit 0
only when schemathesis found nothing.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXCLUDED_CHECKS = "positive_data_acceptance"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serviceloop(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "serviceloop"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


def _fresh_postgres(url: str) -> tuple[str, str]:
    """A new database beside the one DATABASE_URL names: (its URL, its name)."""
    import dj_database_url
    import psycopg

    base = dj_database_url.parse(url)
    name = f"{base['NAME']}_fuzz_{uuid.uuid4().hex[:8]}"[:63]
    with psycopg.connect(host=base["HOST"] or "127.0.0.1", port=base["PORT"] or 5432, user=base["USER"],
                         password=base["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name, name


def _drop_postgres(url: str, name: str) -> None:
    import dj_database_url
    import psycopg

    base = dj_database_url.parse(url)
    with psycopg.connect(host=base["HOST"] or "127.0.0.1", port=base["PORT"] or 5432, user=base["USER"],
                         password=base["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tokens(env: dict) -> dict[str, str]:
    _serviceloop(env, "migrate", "-v", "0")
    _serviceloop(env, "demo", "--tickets", "40")
    _serviceloop(env, "shell", "-c", (
        "from serviceloop.accounts.services import user_create\n"
        "from serviceloop.customers.models import Contact, Organization\n"
        "org = Organization.objects.order_by('id').first()\n"
        "user_create(username='fuzz-admin', password='x', role='admin', check_password=False)\n"
        "customer = user_create(username='fuzz-customer', password='x', role='customer', organization=org,\n"
        "                       check_password=False)\n"
        "Contact.objects.create(organization=org, name='测试联系人', phone='13900001111', user=customer)\n"))
    return {name: _serviceloop(env, "createtoken", f"fuzz-{name}").stdout.strip().splitlines()[-1]
            for name in ("admin", "customer")}


def _wait(port: int, server: subprocess.Popen, server_log_path: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit("the server exited: " + server_log_path.read_text(errors="replace")[-5000:])
        time.sleep(0.5)
    raise SystemExit("the server did not start")


def _tracebacks(log: str) -> list[str]:
    """Each server error's traceback in the log, with the line naming its request. Django also logs a
    traceback with a refused request (a multipart body it cannot parse: 400), which is not one."""
    found = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)") and i and (
                "Internal Server Error" in lines[i - 1] or "[ERROR]" in lines[i - 1]):
            end = i + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            found.append("\n".join(lines[max(0, i - 1):end + 1]))
    return found


def main() -> int:
    seconds = os.environ.get("FUZZ_SECONDS", "60")
    examples = os.environ.get("FUZZ_EXAMPLES", "25")
    data_dir = Path(tempfile.mkdtemp(prefix="serviceloop-fuzz-"))
    env = {**os.environ, "SERVICELOOP_DATA_DIR": str(data_dir), "WEB_THREADS": "4", "LOG_LEVEL": "ERROR"}
    env.pop("TEST_DATABASE_NAME", None)
    database = None
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"], name = _fresh_postgres(env["DATABASE_URL"])
        database = (env["DATABASE_URL"], name)
    engine = f"PostgreSQL ({database[1]})" if database else "SQLite"
    port = _free_port()
    server = None
    failed = False
    try:
        tokens = _tokens(env)
        server_log = (data_dir / "server.log").open("w")
        server = subprocess.Popen(
            [
                str(BIN / "serviceloop"),
                "run",
                "--no-demo",
                "--no-worker",
                "--workers",
                "2",
                "--port",
                str(port),
            ],
            env=env,
            cwd=data_dir,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(port, server, data_dir / "server.log")
        for login, token in tokens.items():
            print(
                f"\n== schemathesis on {engine} as the {login} ({seconds} s, {examples} examples) ==",
                flush=True,
            )
            result = subprocess.run(
                [str(BIN / "st"), "run", f"http://127.0.0.1:{port}/api/v1/openapi.json",
                 "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
                 # One worker: hypothesis reads lambdas' source with `ast`, which is not thread-safe on
                 # Python 3.11 ("AST constructor recursion depth mismatch" with --workers 2).
                 "--phases", "examples,coverage,fuzzing", "--max-examples", examples, "--max-time", seconds,
                 "--workers", "1", "--request-timeout", "30", "--no-color",
                 "-H", f"Authorization: Bearer {token}", "-H", "Accept-Language: en"],
                cwd=data_dir, env=env, timeout=int(seconds) + 600)
            failed = failed or result.returncode != 0
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log = (data_dir / "server.log").read_text(errors="replace")
            # Refusals (4xx) are logged one line each; a server error leaves a traceback.
            errors = _tracebacks(log)
            if errors:
                print(f"\n== {len(errors)} server errors ==\n" + "\n\n".join(errors[:10]))
                failed = True
        if database:
            _drop_postgres(*database)
        subprocess.run(["rm", "-rf", str(data_dir)], check=False)
    print(f"\nAPI fuzzing on {engine}: {'FAILED' if failed else 'nothing found'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
