"""Issue #9, findings 1, 3 and 5: no input one client sends can break a list or a page for others.

Out-of-range datetimes (year 1 at +14:00 lies before year 1 in UTC; 9999-12-31 at -14:00 after
year 9999), NUL characters and integers beyond any column are refused at the door with 422 and the
field named, through the API and the web forms alike; what older versions let in is repaired by a
migration so that the rows read back on PostgreSQL. Every test here runs on both databases.
"""

from __future__ import annotations

import importlib
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from serviceloop.sla.models import Escalation
from serviceloop.sla.services.escalation import ticket_escalate
from serviceloop.tickets import services
from serviceloop.tickets.models import Ticket, TicketEvent
from tests.personas import PASSWORD
from tests.test_bad_input import assert_refused, nothing_written

YEAR_ONE_EAST = "0001-01-01T00:00:00+14:00"  # before 0001-01-01 UTC
YEAR_9999_WEST = "9999-12-31T23:59:59-14:00"  # after 9999-12-31 UTC
OUT_OF_RANGE = [YEAR_ONE_EAST, YEAR_9999_WEST, "1969-12-31T23:59:59Z", "2101-01-01T00:00:00+00:00"]
HUGE = 10**25


def _body(world, **extra) -> dict:
    return {
        "title": "X-3000 无法开机",
        "description": "上电后无显示",
        "organization_id": world.org_a.pk,
        **extra,
    }


def login(username: str) -> Client:
    from serviceloop.accounts.models import User

    User.objects.filter(username=username).update(language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


# --- finding 1: datetimes have a range ----------------------------------------------------------------

@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_ticket_that_occurred_outside_the_input_years_is_refused_naming_the_field(value, world, api_as):
    with nothing_written():
        response = api_as("carol").post(
            "tickets", {"title": "停机", "description": "黑屏", "occurred_at": value}
        )
    body = assert_refused(response, 422, "invalid", ["occurred_at"])
    assert "1970-01-01" in body["errors"][0]["message"] and "2100-12-31" in body["errors"][0]["message"]
    assert api_as("alice").get("tickets", {"limit": 1}).status_code == 200


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_every_datetime_a_ticket_takes_is_bounded(value, world, api_as):
    ticket = world.ticket()
    api = api_as("sam")
    with nothing_written():
        patched = api.patch(f"tickets/{ticket.number}", {"occurred_at": value})
        logged = api.post(f"tickets/{ticket.number}/communications",
                          {"channel": "phone", "customer_feedback": "收到", "happened_at": value})
    assert_refused(patched, 422, "invalid", ["occurred_at"])
    assert_refused(logged, 422, "invalid", ["happened_at"])
    escalated = api.post(
        f"tickets/{ticket.number}/escalate", {"reason": "需要二线", "expected_feedback_at": value}
    )
    assert_refused(escalated, 422, "invalid", ["expected_feedback_at"])
    assert not Escalation.objects.exists()
    # …and the pages that would show them still open.
    assert api.get(f"tickets/{ticket.number}").status_code == 200
    assert api.get("sla/escalations").status_code == 200


def test_a_release_date_outside_the_input_years_is_refused(world, api_as):
    ticket = world.ticket()
    services.ticket_accept(ticket=ticket, actor=world.alice)
    with nothing_written():
        response = api_as("alice").post(f"tickets/{ticket.number}/transition",
                                        {"status": "pending", "sub_status": "waiting_parts",
                                         "pending_until": "0001-01-01"})
    assert_refused(response, 422, "invalid", ["pending_until"])


def test_the_first_and_last_instants_of_the_range_are_accepted_and_shown(world, api_as):
    api = api_as("alice")
    first = api.post("tickets", _body(world, occurred_at="1970-01-01T08:00:00+08:00"))
    last = api.post("tickets", _body(world, occurred_at="2100-12-31T23:59:59.999999Z"))
    assert first.status_code == last.status_code == 201, (first.content, last.content)
    for created in (first, last):
        assert login("alice").get(f"/tickets/{created.json()['number']}/").status_code == 200
    assert api.get("tickets").status_code == 200


def test_the_input_years_come_from_the_settings(world, api_as, settings):
    settings.INPUT_YEAR_MIN, settings.INPUT_YEAR_MAX = 2000, 2030
    api = api_as("alice")
    assert_refused(api.post("tickets", _body(world, occurred_at="1999-12-31T23:59:59Z")), 422, "invalid",
                   ["occurred_at"])
    assert_refused(api.post("tickets", _body(world, occurred_at="2031-01-01T00:00:00Z")), 422, "invalid",
                   ["occurred_at"])
    assert api.post("tickets", _body(world, occurred_at="2000-01-01T00:00:00Z")).status_code == 201


def test_the_range_refusal_is_in_chinese_for_a_chinese_client(world, api_as):
    response = api_as("carol", "zh-hans").post("tickets", {"title": "停机", "description": "黑屏",
                                                          "occurred_at": YEAR_ONE_EAST})
    assert response.status_code == 422
    assert "请输入 1970-01-01 至 2100-12-31 之间的日期" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59", "1969-12-31T12:00"])
def test_the_web_forms_refuse_the_same_datetimes(value, world):
    ticket = world.ticket()
    staff, customer = login("alice"), login("carol")
    with nothing_written():
        intake = staff.post("/intake/", {"intake-organization": world.org_a.pk, "intake-title": "停机",
                                         "intake-description": "黑屏", "intake-occurred_at": value,
                                         "intake-ticket_type": "problem", "intake-urgency": "normal",
                                         "intake-impact_scope": "single"})
        portal = customer.post("/submit/", {"problem-title": "停机", "problem-description": "黑屏",
                                            "problem-occurred_at": value})
    assert (
        intake.status_code == 422
        and "Enter a date between 1970-01-01 and 2100-12-31." in intake.content.decode()
    )
    assert portal.status_code != 302 and "Enter a date between 1970-01-01" in portal.content.decode()
    escalate = staff.post(f"/tickets/{ticket.number}/escalate/", {"escalate-reason": "需要二线",
                                                                  "escalate-department": "二线",
                                                                  "escalate-expected_feedback_at": value},
                          follow=True)
    assert escalate.status_code == 200 and "Enter a date between 1970-01-01" in escalate.content.decode()
    assert not Escalation.objects.exists()


# --- rows stored before the bounds: repaired so they read back and render ----------------------------

def _run_repair(app: str, name: str) -> None:
    from django.apps import apps

    importlib.import_module(f"serviceloop.{app}.migrations.{name}").repair(apps, connection.schema_editor())


def test_rows_stored_before_the_bounds_are_repaired_and_every_page_renders_again(world):
    ticket = world.ticket(by="carol")
    escalation = ticket_escalate(ticket=ticket, actor=world.sam, reason="需要二线", department="二线")
    event = services.ticket_log_communication(
        ticket=ticket,
        actor=world.alice,
        channel="phone",
        happened_at=None,
        customer_feedback="收到",
        next_step="",
        summary="",
    )
    # What the old API wrote, written as it reached the database (PostgreSQL keeps the instant before
    # year 1 UTC, which psycopg then cannot read back; SQLite keeps the text).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Ticket._meta.db_table} SET occurred_at = %s WHERE id = %s",  # noqa: S608
            [YEAR_ONE_EAST if connection.vendor == "postgresql" else "0000-12-31 10:00:00", ticket.pk],
        )
        cursor.execute(f"UPDATE {Escalation._meta.db_table} SET expected_feedback_at = %s WHERE id = %s",  # noqa: S608
                       [YEAR_9999_WEST if connection.vendor == "postgresql" else "10000-01-01 13:59:59",
                        escalation.pk])
    TicketEvent.objects.filter(pk=event.pk).update(data={**event.data, "happened_at": YEAR_ONE_EAST})

    _run_repair("tickets", "0009_repair_out_of_range_times")
    _run_repair("sla", "0007_repair_out_of_range_values")

    assert Ticket.objects.get(pk=ticket.pk).occurred_at is None
    assert Escalation.objects.get(pk=escalation.pk).expected_feedback_at is None
    assert TicketEvent.objects.get(pk=event.pk).data["happened_at"] is None
    staff = login("alice")
    for path in ("/", "/?view=all", "/?view=unassigned", f"/tickets/{ticket.number}/"):
        assert staff.get(path).status_code == 200, path
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.token('sam')}")
    for path in (
        "tickets?limit=1",
        f"tickets/{ticket.number}",
        "sla/escalations",
        f"tickets/{ticket.number}/timeline",
    ):
        assert api.get(f"/api/v1/{path}").status_code == 200, path


# --- finding 3: NUL is refused everywhere --------------------------------------------------------------

NUL_TEXT = "电源\x00故障"


def test_nul_in_a_ticket_title_or_description_is_refused_naming_the_field(world, api_as):
    api = api_as("carol")
    with nothing_written():
        title = api.post("tickets", {"title": NUL_TEXT, "description": "黑屏"})
        description = api.post("tickets", {"title": "停机", "description": NUL_TEXT, "error_code": "E\x00"})
    assert_refused(title, 422, "invalid", ["title"])
    body = assert_refused(description, 422, "invalid", ["error_code", "description"])
    assert body["errors"][0]["message"] == "Text may not contain the NUL character (\\0)."


@pytest.mark.parametrize(
    "endpoint",
    [
        ("patch", "tickets/{n}", {"title": NUL_TEXT}, "title"),
        ("post", "tickets/{n}/replies", {"body": NUL_TEXT}, "body"),
        ("post", "tickets/{n}/notes", {"body": NUL_TEXT}, "body"),
        (
            "post",
            "tickets/{n}/communications",
            {"channel": "phone", "customer_feedback": NUL_TEXT},
            "customer_feedback",
        ),
        (
            "post",
            "tickets/{n}/communications",
            {"channel": "phone", "customer_feedback": "好", "next_step": NUL_TEXT},
            "next_step",
        ),
        ("post", "tickets/{n}/transition", {"status": "accepted", "note": NUL_TEXT}, "note"),
        ("post", "tickets/{n}/priority", {"priority": "urgent", "reason": NUL_TEXT}, "reason"),
        ("post", "tickets/{n}/escalate", {"reason": NUL_TEXT}, "reason"),
        ("post", "organizations", {"name": NUL_TEXT}, "name"),
        ("post", "contacts", {"organization_id": "{org}", "name": "张工", "email": "a\x00@b.cn"}, "email"),
        (
            "post",
            "products",
            {"organization_id": "{org}", "product_model_id": "{model}", "serial_number": "SN\x00"},
            "serial_number",
        ),
        (
            "post",
            "products",
            {
                "organization_id": "{org}",
                "product_model_id": "{model}",
                "serial_number": "SN-9",
                "firmware_version": "v\x001",
            },
            "firmware_version",
        ),
    ],
)
def test_nul_in_any_text_of_a_body_is_refused_naming_the_field(endpoint, world, api_as):
    method, path, body, field = endpoint
    ticket = world.ticket()
    ids = {"{org}": world.org_a.pk, "{model}": world.product_a.product_model_id}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    with nothing_written():
        response = getattr(api_as("sam"), method)(path.format(n=ticket.number), body)
    assert_refused(response, 422, "invalid", [field])


@pytest.mark.parametrize("path", ["tickets", "organizations", "contacts", "products", "sla/escalations",
                                  "notifications", "tickets/{n}/timeline"])
@pytest.mark.parametrize("param", ["q", "cursor", "serial"])
def test_nul_in_a_query_parameter_is_refused_naming_it(path, param, world, api_as):
    ticket = world.ticket()
    response = api_as("sam").get(path.format(n=ticket.number), {param: "电源\x00"})
    assert_refused(response, 422, "invalid", [param])


@pytest.mark.parametrize("path", ["/api/v1/tickets/%00", "/api/v1/tickets/%00/timeline",
                                  "/api/v1/tickets/2026%0001-0001/attachments"])
def test_nul_in_an_api_path_is_not_found(path, world, api_as):
    response = api_as("alice").client.get(path, **api_as("alice").headers)
    assert_refused(response, 404, "not_found")


def test_nul_in_a_page_address_or_form_is_refused_without_a_server_error(world):
    client = login("alice")
    assert client.get("/tickets/%00/").status_code == 404
    assert client.get("/intake/organizations/", {"q": "华东\x00"}).status_code == 400
    with nothing_written():
        refused = client.post("/intake/", urlencode({"q": "华东\x00", "lookup": "1"}),
                              content_type="application/x-www-form-urlencoded")
        multipart = client.post("/intake/", {"q": "华东\x00", "lookup": "1"})
    assert refused.status_code == 400 and "NUL" in refused.content.decode()
    assert multipart.status_code == 200  # a multipart post is read by the view: its look-up finds nothing
    assert client.get("/track/", {"number": "\x00"}).status_code == 400


def test_a_file_name_with_nul_is_stored_without_it(world, api_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = world.ticket()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = api_as("alice").upload(
        f"tickets/{ticket.number}/attachments", SimpleUploadedFile("现场\x00.png", png)
    )
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        assert "\x00" not in response.json()["name"]
    assert api_as("alice").get(f"tickets/{ticket.number}/attachments").status_code == 200


# --- finding 5: integers within their column, extreme filters refused ------------------------------------

@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("tickets", "owner_id"),
        ("tickets", "group_id"),
        ("tickets", "category_id"),
        ("tickets", "organization_id"),
        ("contacts", "organization_id"),
        ("products", "organization_id"),
    ],
)
@pytest.mark.parametrize("value", [HUGE, -HUGE, 2**63])
def test_a_list_filter_beyond_any_id_is_refused_naming_it(path, field, value, world, api_as):
    response = api_as("sam").get(path, {field: value})
    assert_refused(response, 422, "invalid", [field])


def test_the_compensation_report_refuses_an_organisation_beyond_any_id(world, api_as):
    response = api_as("adam").get("sla/compensation", {"since": "2026-01-01", "until": "2026-12-31",
                                                      "organization_id": HUGE})
    assert_refused(response, 422, "invalid", ["organization_id"])
    extreme = api_as("adam").get("sla/compensation", {"since": "0001-01-01", "until": "9999-12-31"})
    assert_refused(extreme, 422, "invalid", ["since", "until"])


@pytest.mark.parametrize(("path", "param"), [("tickets", "created_after"), ("tickets", "created_before"),
                                             ("sla/escalations", "since")])
@pytest.mark.parametrize(
    "value", [YEAR_ONE_EAST, YEAR_9999_WEST, "0001-01-01T00:00:00", "9999-12-31T23:59:59Z"]
)
def test_an_extreme_time_filter_is_refused_not_an_overflow(path, param, value, world, api_as):
    response = api_as("sam").get(path, {param: value})
    assert_refused(response, 422, "invalid", [param])


@pytest.mark.parametrize("path", ["organizations/{huge}", "tickets/{n}/attachments/{huge}/download",
                                  "notifications/{huge}/read", "sla/calendars/{huge}/days?year=2026",
                                  "sla/policies/{huge}/versions"])
def test_an_id_in_the_path_beyond_any_column_is_refused(path, world, api_as):
    ticket = world.ticket()
    url = path.format(n=ticket.number, huge=HUGE)
    api = api_as("adam")
    response = api.post(url, {}) if url.endswith(("read", "versions")) else api.get(url)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("cursor", ["OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "LTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
@pytest.mark.parametrize("path", ["tickets", "organizations", "contacts", "products", "notifications"])
def test_a_cursor_beyond_any_id_is_refused(path, cursor, world, api_as):
    assert_refused(api_as("sam").get(path, {"cursor": cursor}), 422, "invalid", ["cursor"])


def test_the_web_forms_refuse_an_id_beyond_any_column(world):
    ticket = world.ticket()
    client = login("sam")
    listed = client.get("/", {"view": "all", "owner": HUGE, "organization": HUGE, "category": HUGE})
    assert listed.status_code in (200, 422)
    assert "Select a valid choice" in listed.content.decode()
    with nothing_written():
        assigned = client.post(
            f"/tickets/{ticket.number}/assign/",
            {"assign-owner": HUGE, "assign-co_handlers": [HUGE]},
            follow=True,
        )
        intake = client.post("/intake/", {"intake-organization": HUGE, "intake-title": "停机",
                                          "intake-description": "黑屏", "intake-ticket_type": "problem",
                                          "intake-urgency": "normal", "intake-impact_scope": "single",
                                          "intake-affected_users": 10**12})
    assert assigned.status_code == 200 and "Select a valid choice" in assigned.content.decode()
    assert intake.status_code == 422
    page = intake.content.decode()
    assert "Choose the organisation." in page and "less than or equal to 10000000" in page.replace(",", "")


# --- found by the API fuzzing (tests/fuzz/run.py): what the schema refuses, the API refuses -----------

@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("contacts", {"organization_id": "{org}", "name": "张工", "email": "\u0084"}, "email"),
        ("contacts", {"organization_id": "{org}", "name": "张工", "phone": "一三八"}, "phone"),
        (
            "contacts",
            {"organization_id": "{org}", "name": "张工", "phone_customer_provided": 0},
            "phone_customer_provided",
        ),
        (
            "products",
            {
                "organization_id": "{org}",
                "product_model_id": "{model}",
                "serial_number": "SN-9",
                "purchase_date": 0,
            },
            "purchase_date",
        ),
        (
            "tickets",
            {"title": "停机", "description": "黑屏", "organization_id": "{org}", "expedite": 1},
            "expedite",
        ),
        (
            "tickets",
            {"title": "停机", "description": "黑屏", "organization_id": "{org}", "occurred_at": 1700000000},
            "occurred_at",
        ),
        (
            "tickets",
            {"title": "停机", "description": "黑屏", "organization_id": "{org}", "occurred_at": "0.5"},
            "occurred_at",
        ),
    ],
)
def test_a_value_of_the_wrong_type_or_form_is_refused_not_read_leniently(path, body, field, world, api_as):
    ids = {"{org}": world.org_a.pk, "{model}": world.product_a.product_model_id}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    with nothing_written():
        response = api_as("alice").post(path, body)
    assert_refused(response, 422, "invalid", [field])


@pytest.mark.parametrize(("path", "param"), [("tickets", "created_before"), ("sla/escalations", "since")])
@pytest.mark.parametrize("value", ["0.5", "1700000000", "-3"])
def test_a_number_is_not_a_time_in_a_filter(path, param, value, world, api_as):
    assert_refused(api_as("sam").get(path, {param: value}), 422, "invalid", [param])


def test_a_calendar_day_is_working_or_not_never_zero_or_one(world, api_as):
    calendar_id = api_as("adam").get("sla/calendars").json()[0]["id"]
    response = api_as("adam").post(f"sla/calendars/{calendar_id}/days",
                                   {"date": "2026-10-09", "is_working": 0, "name": "调休"})
    assert_refused(response, 422, "invalid", ["is_working"])


@pytest.mark.parametrize("flag", ["0", "1", "yes", "on"])
def test_an_upload_is_internal_only_when_it_says_true(flag, world, api_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = world.ticket()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with nothing_written():
        response = api_as("alice").upload(
            f"tickets/{ticket.number}/attachments", SimpleUploadedFile("a.png", png), internal=flag
        )
    assert_refused(response, 422, "invalid", ["internal"])


def test_a_calendar_day_is_a_date_not_a_number(world, api_as):
    calendar_id = api_as("adam").get("sla/calendars").json()[0]["id"]
    response = api_as("adam").post(f"sla/calendars/{calendar_id}/days", {"date": 0, "is_working": False})
    assert_refused(response, 422, "invalid", ["date"])
