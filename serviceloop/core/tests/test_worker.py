"""`serviceloop worker` with REDIS_URL: jobs enqueued by one process are done by the worker (real Redis): a
ticket created in one process has its acknowledgement mailed by the worker, through the outbox."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
REDIS = ("127.0.0.1", 6379)


def redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379 (.ci/run starts it)")
@pytest.mark.skipif(
    not (BIN / "serviceloop").exists(), reason="the package is not installed (pip install -e .)"
)
def test_the_worker_sends_the_acknowledgement_queued_in_redis(tmp_path):
    env = {**os.environ, "SERVICELOOP_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/15",
           "JOBS_QUEUE_NAME": f"test-{uuid.uuid4().hex}", "JOBS_IMMEDIATE": "0",
           "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(tmp_path / "mail")}
    env.pop("DATABASE_URL", None)

    def serviceloop(*args, **kwargs):
        return subprocess.run([str(BIN / "serviceloop"), *args], env=env, cwd=tmp_path, check=True,
                              capture_output=True, text=True, timeout=120, **kwargs)

    serviceloop("migrate", "-v", "0")
    serviceloop(
        "shell",
        "-c",
        (
            "from serviceloop.accounts.services import user_create\n"
            "from serviceloop.customers.models import Contact, Organization\n"
            "from serviceloop.tickets.services import ticket_create\n"
            "agent = user_create(username='li', password='x', role='agent', check_password=False)\n"
            "org = Organization.objects.create(name='华东精密制造有限公司')\n"
            "wang = Contact.objects.create(organization=org, name='王工', email='wang@example.cn')\n"
            "ticket_create(actor=agent, organization=org, contact=wang, title='设备无法开机', "
            "description='开机无显示',\n"
            "              channel='phone')\n"
        ),
    )
    assert not (tmp_path / "mail").exists()  # queued in Redis, not sent by the enqueuing process

    worker = subprocess.Popen([str(BIN / "serviceloop"), "worker"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((tmp_path / "mail").glob("*.log")):
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    mails = list((tmp_path / "mail").glob("*.log"))
    assert len(mails) == 1
    assert "wang@example.cn" in mails[0].read_text(encoding="utf-8")
    sent = (
        serviceloop(
            "shell",
            "-c",
            (
                "from serviceloop.notifications.models import Delivery\n"
                "print(Delivery.objects.filter(channel='email', status='sent').count())\n"
            ),
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert sent == "1"
