"""Fixtures of the inbound-email tests: a real Dovecot for the session, a fresh IMAP folder and a
Mailbox row per test."""

from __future__ import annotations

import itertools

import pytest

from serviceloop.channels.models import CredentialSource, Mailbox, Security
from serviceloop.notifications.tests.conftest import smtp  # noqa: F401 - the outbox's SMTP recorder
from tests.dovecot import Dovecot, unavailable_reason

_folders = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def imap_folder(dovecot) -> str:
    return dovecot.folder(f"test-{next(_folders)}")


@pytest.fixture
def mailbox(db, dovecot, imap_folder, monkeypatch) -> Mailbox:
    """The support mailbox on the test Dovecot, its password from an environment variable."""
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    return Mailbox.objects.create(
        name=f"客服邮箱 {imap_folder}",
        address=f"support+{imap_folder}@service.example.cn",
        host=dovecot.host,
        port=dovecot.port,
        security=Security.PLAIN,
        username=dovecot.user,
        folder=imap_folder,
        credential_source=CredentialSource.ENV,
        password_env="TEST_IMAP_PASSWORD",
        move_to=f"{imap_folder}-已处理",
    )


@pytest.fixture
def offline_mailbox(db) -> Mailbox:
    """A mailbox row for tests that store messages directly (no server involved)."""
    return Mailbox.objects.create(
        name="客服邮箱",
        address="support@service.example.cn",
        host="127.0.0.1",
        port=1,
        security=Security.PLAIN,
        username="support",
    )
