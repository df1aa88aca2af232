"""Issue #9 against a real `serviceloop run` (gunicorn and the job worker, SQLite in a fresh data dir):

* finding 6: kill -9 of `serviceloop run` takes its job worker with it;
* finding 8: gunicorn's own 414 for an address over its request-line limit is the API's JSON;
* finding 9: no instance opens gunicorn's control socket in $HOME, which every instance shared.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from serviceloop.server.tests.test_cli import free_port

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(not (BIN / "serviceloop").exists(),
                                reason="the package is not installed (pip install -e .)")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        found += [int(c) for c in children]
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie nobody reaps (a container's init may not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\x00", b" ").decode()
    except FileNotFoundError:
        return ""


class Server:
    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.home = tmp_path / "home"
        self.home.mkdir()
        env = {**os.environ, "SERVICELOOP_DATA_DIR": str(tmp_path / "data"), "HOME": str(self.home)}
        for name in ("DATABASE_URL", "XDG_RUNTIME_DIR", "WEB_CONTROL_SOCKET", "REDIS_URL"):
            env.pop(name, None)
        self.process = subprocess.Popen(
            [str(BIN / "serviceloop"), "run", "--port", str(self.port), "--workers", "1", "--no-demo"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)

    def wait_until_serving(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/api/v1/openapi.json")[0] == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, self.process.stdout.read()
            time.sleep(0.5)
        raise AssertionError("the server did not answer in time")

    def request(self, method: str, path: str) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def worker_pid(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = [c for c in _children(self.process.pid) if " worker" in _cmdline(c)]
            if workers:
                return workers[0]
            time.sleep(0.3)
        raise AssertionError("no job worker was started")

    def stop(self) -> str:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.communicate()[0]


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path)
    try:
        running.wait_until_serving()
        yield running
    finally:
        running.stop()


def test_kill_9_of_serviceloop_run_stops_its_job_worker(server):
    worker = server.worker_pid()
    assert _alive(worker)
    os.kill(server.process.pid, signal.SIGKILL)  # the process group is left alone: only the parent dies
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.2)
    try:
        assert not _alive(worker), "the job worker outlived serviceloop run"
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_an_address_over_the_servers_limit_is_a_json_414(server):
    status, headers, body = server.request("GET", "/api/v1/tickets?q=" + "x" * 10_000)
    assert status == 414
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(body)
    assert (
        answer["code"] == "uri_too_long"
        and "地址太长" in answer["message"]
        and "too long" in answer["message"]
    )
    assert server.request("GET", "/api/v1/openapi.json")[0] == 200  # and it keeps serving


def test_no_instance_opens_a_control_socket_in_home(server):
    status, _headers, _body = server.request("GET", "/login/")
    assert status == 200
    assert not (server.home / ".gunicorn").exists(), list(server.home.rglob("*"))
