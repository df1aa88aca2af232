"""Issue #9, findings 7 and 8: the API answers every error with the documented JSON body and status.

A stale session cookie on a write is "not logged in" (401), not a CSRF refusal (403); 404 for an
address the API does not have, 405, a multipart body Django cannot parse (400) and a server error
(500, never with a stack trace) are JSON like every other error. gunicorn's own 414 is tested
against a real server in serviceloop/server/tests/test_running_server.py.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import PASSWORD
from tests.test_bad_input import assert_refused, nothing_written


def _ticket_body(world) -> dict:
    return {"title": "X-3000 无法开机", "description": "上电后无显示", "organization_id": world.org_a.pk}


# --- finding 7: a session that logs nobody in is a 401 -------------------------------------------------

@pytest.mark.parametrize("cookie", ["never-issued-0123456789abcdef", "x" * 40, "short"])
def test_an_unknown_session_cookie_on_a_write_is_401_not_a_csrf_403(cookie, world):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["sessionid"] = cookie
    with nothing_written():
        response = client.post("/api/v1/tickets", _ticket_body(world), content_type="application/json")
    assert_refused(response, 401, "unauthenticated")


def test_a_session_that_has_ended_is_401_on_a_write(world):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="alice", password=PASSWORD)
    stale = client.cookies["sessionid"].value
    client.logout()
    client.cookies["sessionid"] = stale  # the browser still sends the old cookie
    with nothing_written():
        response = client.post("/api/v1/tickets", _ticket_body(world), content_type="application/json")
    assert_refused(response, 401, "unauthenticated")


def test_a_live_session_still_needs_its_csrf_token(world):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="alice", password=PASSWORD)
    with nothing_written():
        response = client.post("/api/v1/tickets", _ticket_body(world), content_type="application/json")
    assert_refused(response, 403, "forbidden", language="zh-hans")  # the session speaks its user's language


# --- finding 8: every error as JSON --------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("put", "/api/v1/tickets", "GET, POST"),
    ("delete", "/api/v1/organizations", "GET, POST"),
    ("post", "/api/v1/users/me", "GET"),
    ("patch", "/api/v1/tickets/{n}/timeline", "GET"),
])
def test_a_method_the_address_does_not_take_is_a_json_405(method, path, allowed, world, api_as):
    api = api_as("alice")
    ticket = world.ticket()
    with nothing_written():
        response = getattr(api.client, method)(
            path.format(n=ticket.number), "{}", content_type="application/json", **api.headers
        )
    body = assert_refused(response, 405, "method_not_allowed")
    assert response["Content-Type"].startswith("application/json")
    methods = set(allowed.split(", "))
    assert set(response["Allow"].split(", ")) == methods
    assert all(m in body["message"] for m in methods)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/tickets", "/api/v1/tickets/1/unknown"])
def test_an_address_the_api_does_not_have_is_a_json_404(path, api_as):
    response = api_as("alice").get(path)
    assert_refused(response, 404, "not_found")


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=", "multipart/form-data",
                                          "multipart/form-data; boundary=\x7f\x7f"])
def test_a_multipart_body_django_cannot_parse_is_a_json_400(content_type, world, api_as):
    api = api_as("alice")
    ticket = world.ticket()
    with nothing_written():
        response = api.client.post(f"/api/v1/tickets/{ticket.number}/attachments", b"--x\r\nbroken",
                                   content_type=content_type, **api.headers)
    assert_refused(response, 400, "bad_request")


@pytest.mark.parametrize("debug", [False, True])
def test_a_server_error_under_the_api_is_json_without_a_stack_trace(debug, world, monkeypatch, settings):
    from serviceloop.tickets import selectors

    settings.DEBUG = debug

    def broken(**kwargs):
        raise RuntimeError("secret internals: /etc/serviceloop/db-password")

    monkeypatch.setattr(selectors, "ticket_list", broken)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en",
                    HTTP_AUTHORIZATION=f"Bearer {world.token('alice')}")
    response = client.get("/api/v1/tickets")
    body = assert_refused(response, 500, "server_error")
    assert "secret" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert set(body) == {"code", "message"}


def test_a_server_error_message_is_in_chinese_for_a_chinese_client(world, monkeypatch):
    from serviceloop.tickets import selectors

    monkeypatch.setattr(selectors, "ticket_get", lambda **kwargs: 1 / 0)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans",
                    HTTP_AUTHORIZATION=f"Bearer {world.token('alice')}")
    response = client.get("/api/v1/tickets/202601-0001")
    assert response.status_code == 500 and response.json()["message"] == "服务器出错，已记录；请稍后重试。"


def test_pages_keep_their_html_error_pages(world):
    client = Client()
    assert client.force_login(world.alice) is None
    response = client.get("/tickets/000000-0000/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
