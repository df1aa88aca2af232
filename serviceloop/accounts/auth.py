"""How an API request proves who it is: the web session (with CSRF) or `Authorization: Bearer <token>`.

Both live with the accounts app because they read its users and tokens; the API root
(serviceloop/server/api.py) lists them in the order they are tried.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from .selectors import token_match
from .services import token_used


class SessionAuth(APIKeyCookie):
    """The logged-in web session; ninja checks CSRF for unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest):
        # No session cookie, or one that logs nobody in (expired, logged out, never issued): not a
        # session at all, so answer 401 rather than run the CSRF check, which would answer 403 and
        # hide that the login was missing (issue #9). CSRF protects a session that *does* log in.
        if not request.COOKIES.get(self.param_name):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sl_…`; only the token's SHA-256 is looked up."""

    def authenticate(self, request: HttpRequest, token: str):
        match = token_match(token)
        if match is None:
            return None
        token_used(match)
        request.user = match.user
        return match.user
