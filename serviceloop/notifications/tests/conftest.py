"""Fixtures of the outbox tests: a real SMTP server, a real HTTP server for robots / SMS / webhooks, and the
settings that point the product at them (loopback only)."""

from __future__ import annotations

import pytest

from serviceloop.notifications import rules
from tests.recorders import HttpRecorder, SmtpRecorder

ALIYUN_KEY_ID, ALIYUN_SECRET = "LTAI5tTestKeyId", "test-access-key-secret"
SMS_CODES = {"acknowledged": "SMS_4630001", "survey": "SMS_4630002", "escalated": "SMS_4630003",
             "breach_warning": "SMS_4630004"}


@pytest.fixture(autouse=True)
def _fresh_endpoint_cache():
    rules.clear_endpoint_cache()
    yield
    rules.clear_endpoint_cache()


@pytest.fixture
def smtp(settings):
    """aiosmtpd on loopback, and Django's SMTP backend pointed at it."""
    server = SmtpRecorder().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.NOTIFY_EMAIL_FROM = "服务闭环 <service@serviceloop.example.cn>"
    settings.NOTIFY_EMAIL_REPLY_TO = "support@serviceloop.example.cn"
    yield server
    server.stop()


@pytest.fixture
def recorder(settings):
    """The stand-in for every HTTP endpoint; a short timeout, so a hanging endpoint costs a second."""
    server = HttpRecorder().start()
    settings.NOTIFY_HTTP_TIMEOUT = 1.0
    yield server
    server.stop()


@pytest.fixture
def sms_on(settings, recorder):
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET = ALIYUN_KEY_ID, ALIYUN_SECRET
    settings.SMS_SIGN_NAME = "服务闭环"
    settings.SMS_ENDPOINT = f"{recorder.url}/aliyun/"
    settings.SMS_TEMPLATE_CODES = SMS_CODES
    return recorder
