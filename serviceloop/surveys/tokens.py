"""The survey link's token (CSAT-1): signed, for one survey of one ticket, expiring.

The token is `django.core.signing` over {survey, ticket, expiry}: nobody without SECRET_KEY can make
one, and a changed byte fails the signature. Only its SHA-256 is stored on the survey (`token_hash`), so
the database alone never yields a working link; the invitation and the reminder carry the same token,
derived again from the survey's own fields. Usable once: the answer sets `answered_at`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.core import signing

SALT = "serviceloop.surveys.token"
TOKEN_MAX = 300  # longer input is not a token; refused before any work


@dataclass(frozen=True)
class TokenClaims:
    survey_id: int
    ticket_id: int
    expires: int  # Unix seconds


def token_for(survey) -> str:
    """The survey's link token (the survey must be sent: it has an expiry)."""
    return signing.Signer(salt=SALT).sign_object(
        {"s": survey.pk, "t": survey.ticket_id, "e": int(survey.expires_at.timestamp())}, compress=False)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_matches(token: str, stored: str) -> bool:
    return bool(stored) and hmac.compare_digest(token_hash(token), stored)


def read_token(token: str) -> TokenClaims | None:
    """The claims of a genuine token, or None for anything forged, truncated or malformed."""
    if not token or len(token) > TOKEN_MAX:
        return None
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return TokenClaims(survey_id=int(data["s"]), ticket_id=int(data["t"]), expires=int(data["e"]))
    except (KeyError, TypeError, ValueError):
        return None
