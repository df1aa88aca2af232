"""The `serviceloop` command: run, createuser, createtoken, and the generated secret key."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from serviceloop.accounts.models import User

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_createuser_gives_the_role_and_ties_customers_to_their_organisation(world):
    call_command("createuser", username="li", password="a-Strong-pass-42", role="engineer", stdout=StringIO())
    assert User.objects.get(username="li").role_codes == {"engineer"}
    call_command("createuser", username="zhou", password="a-Strong-pass-42", role="customer",
                 organization=world.org_a.name, stdout=StringIO())
    assert User.objects.get(username="zhou").organization == world.org_a


@pytest.mark.parametrize("options,message", [
    ({"role": "customer"}, "organization"),
    ({"role": "agent", "password": "123"}, "password"),
    ({"role": "agent", "organization": "没有这个单位"}, "not found"),
])
def test_createuser_refuses_bad_input_with_a_clear_message(world, options, message):
    args = {"username": "x1", "password": "a-Strong-pass-42", **options}
    with pytest.raises(CommandError, match=message):
        call_command("createuser", stdout=StringIO(), **args)
    assert not User.objects.filter(username="x1").exists()


def test_createtoken_prints_a_token_that_authenticates(world):
    out = StringIO()
    call_command("createtoken", "alice", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("sl_")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/users/me").json()["username"] == "alice"
    with pytest.raises(CommandError):
        call_command("createtoken", "nobody", stdout=StringIO())


def test_the_web_server_runs_sync_workers_for_one_thread_and_gthread_for_more():
    from serviceloop.server.management.commands.run import server_options

    assert server_options("127.0.0.1:8000", 2, {"WEB_THREADS": "1"})["worker_class"] == "sync"
    default = server_options("127.0.0.1:8000", 2, {})
    assert (default["worker_class"], default["threads"], default["keepalive"]) == ("gthread", 4, 0)
    assert server_options("127.0.0.1:8000", 2, {"WEB_THREADS": "1", "WEB_WORKER_CLASS": "gthread"})[
        "worker_class"] == "gthread"


def test_a_missing_secret_key_is_generated_once_and_kept(tmp_path):
    env = {**os.environ, "SERVICELOOP_DATA_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    read = [sys.executable, "-c", "import config.settings as s; print(s.SECRET_KEY)"]
    first = subprocess.run(read, env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    second = subprocess.run(read, env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert first == second and len(first.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_admin_speaks_chinese_by_default(world):
    client = Client()
    client.force_login(world.adam)
    page = client.get("/admin/").content.decode()
    assert "站点管理" in page or "工单" in page
    assert client.get("/admin/tickets/ticket/").status_code == 200
    assert client.get("/admin/customers/organization/").status_code == 200


@pytest.mark.skipif(
    not (BIN / "serviceloop").exists(), reason="the package is not installed (pip install -e .)"
)
def test_serviceloop_run_sets_up_an_empty_data_directory_and_serves(tmp_path):
    """The README's promise: one command migrates, loads demo data, creates an admin and serves."""
    port = free_port()
    env = {**os.environ, "SERVICELOOP_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the embedded default
    server = subprocess.Popen(
        [str(BIN / "serviceloop"), "run", "--port", str(port), "--workers", "1", "--demo-tickets", "30"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                status = conn.getresponse().status
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.5)
        assert status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert re.search(r"username: admin\s+password: \S+", output), output
    assert (tmp_path / "serviceloop.sqlite3").exists()
