"""A mailbox's password: from an environment variable, a file, or stored encrypted in the database.

Stored passwords are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, the `cryptography` package)
under a key derived from SECRET_KEY, so a copy of the database alone does not reveal them. Changing
SECRET_KEY makes them unreadable: the mailbox then reports it, and the administrator enters it again.

The variable is named by the mailbox row, not known in advance, so it is read here rather than in
config/settings.py (where every other setting is read).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from .models import CredentialSource, Mailbox


class CredentialError(Exception):
    """The password cannot be had; the message says why, in the reader's language."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"serviceloop.channels.mailbox-password:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_password(password: str) -> str:
    return _fernet().encrypt(password.encode("utf-8")).decode("ascii")


def mailbox_password(mailbox: Mailbox) -> str:
    """The password to log in to `mailbox` with; raises CredentialError when it cannot be read."""
    source = mailbox.credential_source
    if source == CredentialSource.ENV:
        name = mailbox.password_env.strip()
        value = os.environ.get(name) if name else None
        if not value:
            raise CredentialError(_("The environment variable %(name)s is not set.") % {"name": name or "—"})
        return value
    if source == CredentialSource.FILE:
        path = Path(mailbox.password_file.strip())
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CredentialError(_("The password file %(path)s cannot be read: %(error)s")
                                  % {"path": path, "error": exc.strerror or exc}) from exc
    if not mailbox.password_encrypted:
        raise CredentialError(_("No password is stored for this mailbox."))
    try:
        return _fernet().decrypt(mailbox.password_encrypted.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise CredentialError(_("The stored password cannot be decrypted (was SECRET_KEY changed?); "
                                "enter it again.")) from exc
