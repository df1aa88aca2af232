"""Logging in and out, and the language switch (SEC-5)."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from serviceloop.accounts import services as accounts
from serviceloop.web.forms import (
    LoginForm,
)


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return fallback


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


@require_http_methods(["GET", "POST"])
def login_view(request):
    """Log in; a username with too many failures in a row is locked for a while (SEC-5)."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        address_blocked = accounts.login_address_blocked_until(ip=_client_ip(request))
        locked = accounts.login_locked_until(username=username)
        if address_blocked:
            minutes = max(1, math.ceil((address_blocked - timezone.now()).total_seconds() / 60))
            error = _("Too many failed logins from your address. Try again in %(minutes)d minutes.") % {
                "minutes": minutes}
            response = render(request, "web/login.html", {"form": form, "error": error,
                                                          "next": _safe_next(request, "")}, status=429)
            response["Retry-After"] = str(minutes * 60)
            return response
        if locked:
            minutes = max(1, round((locked - timezone.now()).total_seconds() / 60))
            error = _("Too many failed attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                row = accounts.login_failed(username=username, ip=_client_ip(request))
                if row.locked_until:
                    error = _("Too many failed attempts. Try again in %(minutes)d minutes.") % {
                        "minutes": settings.LOGIN_LOCK_MINUTES}
                else:
                    error = _("The username or password is wrong.")
            else:
                accounts.login_succeeded(username=username)
                login(request, user)
                response = HttpResponseRedirect(_safe_next(request))
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
                return response
    # A refused login re-shows the form with 200, as Django's admin does.
    return render(request, "web/login.html", {"form": form, "error": error, "next": _safe_next(request, "")})


def admin_login(request):
    """The admin's own login page checked passwords with neither the username lockout nor the
    per-address limit (issue #9): it now sends people to /login/, the one place passwords are checked."""
    if request.user.is_authenticated:
        # Logged in without admin rights: the admin would send them back here, round and round.
        return redirect(_safe_next(request, "/admin/") if request.user.is_staff else "/")
    next_url = _safe_next(request, "/admin/")
    return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': next_url})}")


@require_POST
def logout_view(request):
    logout(request)
    return redirect(settings.LOGIN_URL)


@require_POST
def language_view(request):
    """Switch zh-Hans / English; remembered on the user, and in a cookie for the login page."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        accounts.user_set_language(user=request.user, language=language)
    translation.activate(language)
    response = redirect(_safe_next(request))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=365 * 24 * 3600)
    return response
