"""`serviceloop worker` with REDIS_URL: jobs enqueued by one process are done by the worker (real Redis)."""

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
@pytest.mark.skipif(not (BIN / "serviceloop").exists(), reason="the package is not installed (pip install -e .)")
def test_the_worker_sends_the_emails_queued_in_redis(tmp_path):
    env = {**os.environ, "SERVICELOOP_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/15",
           "JOBS_QUEUE_NAME": f"test-{uuid.uuid4().hex}", "JOBS_IMMEDIATE": "0",
           "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(tmp_path / "mail")}
    env.pop("DATABASE_URL", None)

    def serviceloop(*args, **kwargs):
        return subprocess.run([str(BIN / "serviceloop"), *args], env=env, cwd=tmp_path, check=True,
                              capture_output=True, text=True, timeout=120, **kwargs)

    serviceloop("migrate", "-v", "0")
    serviceloop("shell", "-c", (
        "from serviceloop.accounts.services import user_create\n"
        "from serviceloop.notifications.models import Notification\n"
        "from serviceloop.notifications.tasks import send_notification_emails\n"
        "u = user_create(username='li', password='x', role='engineer', email='li@example.cn', check_password=False)\n"
        "n = Notification.objects.create(user=u, kind='assigned', title='【202611-0001】指派给您')\n"
        "send_notification_emails([n.pk])\n"))
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
    assert "li@example.cn" in mails[0].read_text(encoding="utf-8")
    sent = serviceloop("shell", "-c", (
        "from serviceloop.notifications.models import Notification\n"
        "print(Notification.objects.filter(emailed_at__isnull=False).count())\n")).stdout.strip().splitlines()[-1]
    assert sent == "1"
