"""The one error handler of the REST API: every failure leaves as JSON `{"code", "message", "errors"?}`.

The message is in the request's language (Accept-Language: zh-Hans or en). The API root itself,
with its authentication and every app's router, is assembled above the apps in
serviceloop/server/api.py; core only knows how errors look.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from serviceloop.core.errors import ServiceError
from serviceloop.core.validation import translate_errors


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error the API can raise with the documented JSON body and status."""

    @api.exception_handler(ServiceError)
    def _service_error(request, exc: ServiceError):
        return api.create_response(request, exc.as_dict(), status=exc.status_code)

    @api.exception_handler(ValidationError)
    def _validation_error(request, exc: ValidationError):
        errors = translate_errors(exc.errors)
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        body = {
            "code": "invalid",
            "message": _("Please correct these fields: %(fields)s") % {"fields": fields},
            "errors": errors,
        }
        return api.create_response(request, body, status=422)

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request, exc):
        body = {"code": "too_large", "message": _("The request is too large.")}
        return api.create_response(request, body, status=413)

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        body = {"code": "not_found", "message": _("There is no such address in the API.")}
        return api.create_response(request, body, status=404)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        body = {"code": "unauthenticated",
                "message": _("Log in, or send a valid API token (Authorization: Bearer …).")}
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
