"""The REST API root (/api/v1): authentication, the one error handler, and every app's router.

Authentication is a session (the web UI, with CSRF) or `Authorization: Bearer <token>`
(clients). Every error leaves here as JSON `{"code", "message", "errors"?}`, the message in the
request's language (Accept-Language: zh-Hans or en).
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from serviceloop.core.errors import ServiceError
from serviceloop.core.validation import translate_errors


class SessionAuth(APIKeyCookie):
    """The logged-in web session; ninja checks CSRF for unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest):
        # No session cookie: not a browser session at all, so answer 401 rather than run the CSRF
        # check (which would answer 403 and hide that the token was missing or wrong).
        if not request.COOKIES.get(self.param_name):
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
        from serviceloop.accounts.selectors import token_match
        from serviceloop.accounts.services import token_used

        match = token_match(token)
        if match is None:
            return None
        token_used(match)
        request.user = match.user
        return match.user


api = NinjaAPI(
    title="ServiceLoop API",
    version="1",
    description="ServiceLoop 服务闭环 — tickets, customers, products. Errors are JSON with `code` and `message`.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(ServiceError)
def _service_error(request, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status_code)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    errors = translate_errors(exc.errors)
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    body = {"code": "invalid", "message": _("Please correct these fields: %(fields)s") % {"fields": fields},
            "errors": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    body = {"code": "too_large", "message": _("The request is too large.")}
    return api.create_response(request, body, status=413)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    body = {"code": "unauthenticated", "message": _("Log in, or send a valid API token (Authorization: Bearer …).")}
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = "bad_request"
    if exc.status_code == 400:
        message = _("The request body is not valid JSON.")
    elif exc.status_code == 403:
        code, message = "forbidden", _("Your session's CSRF token is missing or wrong; reload the page.")
    else:
        message = str(exc)
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


def _register_routers() -> None:
    from serviceloop.accounts.api import router as users_router
    from serviceloop.assets.api import models_router, products_router
    from serviceloop.customers.api import contacts_router, organizations_router
    from serviceloop.notifications.api import router as notifications_router
    from serviceloop.sla.api import router as sla_router
    from serviceloop.tickets.api import categories_router, tickets_router

    api.add_router("/tickets", tickets_router)
    api.add_router("/categories", categories_router)
    api.add_router("/organizations", organizations_router)
    api.add_router("/contacts", contacts_router)
    api.add_router("/products", products_router)
    api.add_router("/product-models", models_router)
    api.add_router("/users", users_router)
    api.add_router("/sla", sla_router)
    api.add_router("/notifications", notifications_router)


_register_routers()
