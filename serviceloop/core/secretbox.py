"""Secrets kept in the database (robot keys, webhook secrets, endpoint URLs with tokens in them), sealed
with a key derived from SECRET_KEY, so a copy of the database alone gives none of them away.

Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package) rather than anything home-made. The
key is HKDF-SHA256 of SECRET_KEY with a purpose label; SECRET_KEY_FALLBACKS still open what older keys
sealed, so a key rotation does not lose the secrets (sealing always uses the current key).
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"serviceloop secretbox v1"


class SecretUnreadable(Exception):
    """A sealed value that no current or fallback key opens (SECRET_KEY changed, or the row was edited)."""


def _key(secret_key: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret_key.encode())
    return base64.urlsafe_b64encode(derived)


@functools.cache
def _box(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_key(k)) for k in (secret_key, *fallbacks)])


def _current() -> MultiFernet:
    return _box(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()) or ()))


def seal(plain: str) -> str:
    """The sealed form of `plain` (empty stays empty: "no secret" needs no ciphertext)."""
    if not plain:
        return ""
    return _current().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _current().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "the stored secret cannot be decrypted with SECRET_KEY; enter it again"
        ) from None


def mask(plain: str, *, keep: int = 4) -> str:
    """What a list or an API shows of a secret: its last few characters, never all of it."""
    if not plain:
        return ""
    if len(plain) <= keep * 2:
        return "••••"
    return "••••" + plain[-keep:]
