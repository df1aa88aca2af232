"""Request guards that apply to every address (issue #9), outermost first in settings.MIDDLEWARE:

* `ApiErrorsMiddleware`: under /api/ every error leaves as the documented JSON `{"code", "message"}`,
  whatever produced it — Django's 404 and 500 pages, ninja's 405, a multipart body Django could not
  parse (400) — and never with a stack trace;
* `RefuseNulMiddleware`: NUL (U+0000) in the path or the query string is refused before any view
  (404 for the path, 422 naming the parameter under /api/, 400 for a page): PostgreSQL cannot take
  NUL in a text value, and a search for one answered 500. Bodies are checked by the schemas and
  forms (core/bounds.py, Django's CharField);
* `SecurityHeadersMiddleware`: Content-Security-Policy on every HTML page (settings.CONTENT_SECURITY_POLICY:
  scripts and styles only from our own static files).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from .bounds import NUL, nul_message

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def json_error(status: int, code: str, message: str, errors: list[dict] | None = None) -> JsonResponse:
    """The documented error body (docs/api.md), for answers given outside ninja's handlers."""
    body: dict = {"code": code, "message": str(message)}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _status_body(status: int, request: HttpRequest, response: HttpResponse) -> tuple[str, str]:
    if status == 400:
        return "bad_request", _("The request could not be read (a malformed body or upload).")
    if status == 404:
        return "not_found", _("There is no such address in the API.")
    if status == 405:
        allowed = response.get("Allow", "")
        return "method_not_allowed", _("%(method)s is not allowed here; allowed: %(allowed)s.") % {
            "method": request.method, "allowed": allowed}
    if status == 413:
        return "too_large", _("The request is too large.")
    if status == 414:
        return "uri_too_long", _("The address is too long.")
    if status >= 500:
        return "server_error", _("Something went wrong on the server. It has been logged; please try again.")
    return "error", _("The request was refused.")


def _bad_page(request: HttpRequest) -> HttpResponse:
    return render(request, "400.html", {"message": nul_message()}, status=400)


class ApiErrorsMiddleware:
    """Every error under /api/ as JSON with the same status (kept headers: Allow, Retry-After)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not _is_api(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        # This layer may sit outside the language middleware: speak the client's language anyway.
        with translation.override(translation.get_language_from_request(request)):
            code, message = _status_body(response.status_code, request, response)
            answer = json_error(response.status_code, code, message)
        for header in ("Allow", "Retry-After"):
            if header in response:
                answer[header] = response[header]
        return answer


class RefuseNulMiddleware:
    """NUL in the address or its query string never reaches a view or the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info:
            if _is_api(request):
                return json_error(404, "not_found", _("There is no such address in the API."))
            raise Http404
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                name = key.replace(NUL, "\\0")[:100]
                if _is_api(request):
                    return json_error(
                        422,
                        "invalid",
                        _("Please correct these fields: %(fields)s") % {"fields": name},
                        [{"field": name, "message": nul_message(), "type": "nul_character"}],
                    )
                return _bad_page(request)
        if request.content_type == "application/x-www-form-urlencoded" and not _is_api(request):
            # Form posts of the pages (a CharField refuses NUL itself; a bare POST.get does not).
            for key, values in request.POST.lists():
                if NUL in key or any(NUL in value for value in values):
                    return _bad_page(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy on HTML answers that do not set their own (a download sets a stricter one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response and \
                response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = policy
        return response
