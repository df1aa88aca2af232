"""Issue #9, finding 9: the web defences that were missing.

CSP on every HTML page and no inline script in any template (htmx is told not to inject its inline
indicator style); HSTS when SECURE_COOKIES=1; a limit on failed logins per client address beside the
per-username lockout; the OpenAPI document describes calendar window times as they are sent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.personas import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"


# --- Content-Security-Policy --------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login/", "/track/", "/", "/tickets/{n}/", "/intake/", "/admin/",
                                  "/api/v1/docs", "/tickets/000000-0000/", "/no-such-page/"])
def test_every_html_page_carries_the_content_security_policy(path, world):
    ticket = world.ticket()
    client = Client()
    client.force_login(world.adam)
    response = client.get(path.format(n=ticket.number))
    assert response["Content-Type"].startswith("text/html"), path
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_a_download_keeps_its_own_stricter_policy(world, api_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = world.ticket()
    api = api_as("alice")
    uploaded = api.upload(
        f"tickets/{ticket.number}/attachments", SimpleUploadedFile("说明.txt", "你好".encode())
    )
    response = api.get(uploaded.json()["download_url"])
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_no_template_has_an_inline_script_or_event_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        offenders += [f"{template.name}: {m.group(0)}" for m in inline_script.finditer(source)]
        offenders += [f"{template.name}: {m.group(0)}" for m in handler.finditer(source)]
    assert offenders == []


def test_htmx_is_told_not_to_inject_its_inline_indicator_style(world):
    client = Client()
    client.force_login(world.alice)
    page = client.get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in page
    assert "/static/js/autosubmit.js" in page and "data-autosubmit" in page


# --- HSTS with secure cookies -----------------------------------------------------------------------------

def _headers_with(env_extra: dict, tmp_path) -> str:
    code = ("import django, os\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
            "django.setup()\n"
            "from django.test import Client\n"
            "r = Client().get('/track/', HTTP_X_FORWARDED_PROTO='https')\n"
            "print(r.status_code, repr(r.get('Strict-Transport-Security')))\n")
    env = {**os.environ, "SERVICELOOP_DATA_DIR": str(tmp_path), **env_extra}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=60).stdout.strip().splitlines()[-1]


def test_secure_cookies_turn_on_hsts_behind_a_tls_proxy(tmp_path):
    assert _headers_with({"SECURE_COOKIES": "1"}, tmp_path) == "200 'max-age=31536000'"
    assert _headers_with({"SECURE_COOKIES": "1", "HSTS_SECONDS": "600"}, tmp_path) == "200 'max-age=600'"
    assert _headers_with({"SECURE_COOKIES": ""}, tmp_path) == "200 None"


# --- failed logins per address ------------------------------------------------------------------------------

def _login(client: Client, username: str, password: str, ip: str):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_one_address_cannot_spray_passwords_over_every_user(world, settings):
    from serviceloop.accounts.models import LoginThrottle

    settings.LOGIN_MAX_FAILURES, settings.LOGIN_MAX_FAILURES_PER_IP = 5, 6
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    users = ["alice", "eric", "sam", "dora", "adam", "pete", "rita", "tom"]
    for username in users[:6]:
        assert _login(client, username, "Password1", "203.0.113.9").status_code == 200
    refused = _login(client, "rita", "Password1", "203.0.113.9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many failed logins from your address" in refused.content.decode()
    # Refused before the password is checked: the right password does not get in from there either,
    # and the users' own counts are not touched, so nobody is locked out by it.
    assert _login(client, "tom", PASSWORD, "203.0.113.9").status_code == 429
    assert not LoginThrottle.objects.filter(locked_until__isnull=False).exists()
    assert _login(Client(), "tom", PASSWORD, "198.51.100.7").status_code == 302


def test_the_address_limit_is_in_chinese_for_a_chinese_browser(world, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 1
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    _login(client, "alice", "nope", "203.0.113.10")
    assert "您所在地址的登录失败次数过多" in _login(client, "alice", "nope", "203.0.113.10").content.decode()


# --- OpenAPI: calendar window times ------------------------------------------------------------------------

def test_the_openapi_describes_window_times_as_local_times_not_rfc3339_times(world, api_as):
    schema = api_as("alice").get("/api/v1/openapi.json").json()
    window = schema["components"]["schemas"]["WindowIO"]["properties"]
    for name in ("start", "end"):
        assert window[name].get("format") != "time"
        assert re.fullmatch(window[name]["pattern"], "09:00") and re.fullmatch(
            window[name]["pattern"], "18:30:00"
        )
    listed = api_as("alice").get("sla/calendars").json()[0]["windows"][0]
    assert re.fullmatch(window["start"]["pattern"], listed["start"])


def test_a_window_time_with_an_offset_is_refused(world, api_as):
    calendar_id = api_as("adam").get("sla/calendars").json()[0]["id"]
    response = api_as("adam").put(f"sla/calendars/{calendar_id}/windows",
                                  [{"start": "09:00:00+08:00", "end": "12:00"}])
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["0.start"]


def test_the_openapi_says_staff_must_name_the_organisation(world, api_as):
    schema = api_as("alice").get("/api/v1/openapi.json").json()
    field = schema["components"]["schemas"]["TicketCreateIn"]["properties"]["organization_id"]
    assert "Required for staff" in field["description"]


def test_the_admin_has_no_login_of_its_own_that_skips_the_limits(world):
    client = Client()
    response = client.post("/admin/login/?next=/admin/sla/", {"username": "adam", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fadmin%2Fsla%2F"
    assert client.get("/admin/").status_code == 302  # the POST checked no password and logged nobody in
    assert (
        client.post("/login/?next=/admin/", {"username": "adam", "password": PASSWORD})["Location"]
        == "/admin/"
    )
    assert client.get("/admin/").status_code == 200
    customer = Client()
    customer.force_login(world.carol)
    assert customer.get("/admin/login/?next=/admin/")["Location"] == "/"  # no redirect loop for non-staff
