"""Message wording (NTF-2): per kind, channel format and language; rendered with a restricted context.

A template sees a plain dict of strings, numbers and booleans that the ticket and the event expose
(`ticket_context`) — never a model instance — through an engine of our own that knows only the tags and
filters of template_library.py. Plain-text formats are rendered without autoescaping, email HTML with it.
Subjects and titles come out as one line (CR, LF and other control characters become spaces): a header
cannot be injected, whatever a ticket title or a template says.

The wording shipped with the product is in notifications/defaults/<language>/<kind>.txt, one section per
part (`=== email.subject ===` …); an administrator's MessageTemplate row replaces one kind × format ×
language. `check` validates a row before it is saved, by compiling and rendering it on the sample ticket.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from .models import MessageKind, MessageTemplate, TemplateFormat

DEFAULTS = Path(__file__).resolve().parent / "defaults"
SECTION = re.compile(r"^=== ([a-z]+(?:\.[a-z]+)?) ===$", re.MULTILINE)
# The parts of each format, as (section name in a defaults file, MessageTemplate field).
PARTS = {
    TemplateFormat.EMAIL: (("email.subject", "subject"), ("email.text", "body"), ("email.html", "html")),
    TemplateFormat.SMS: (("sms", "body"),),
    TemplateFormat.ROBOT: (("robot.title", "subject"), ("robot.text", "body")),
    TemplateFormat.INAPP: (("inapp.title", "subject"), ("inapp.text", "body")),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


class RestrictedEngine(Engine):
    """A template engine without Django's built-in tags and filters; only template_library.py's."""

    default_builtins = []


_ENGINES = {
    autoescape: RestrictedEngine(
        builtins=["serviceloop.notifications.template_library"],
        autoescape=autoescape,
        loaders=[],
        libraries={},
        string_if_invalid="",
    )
    for autoescape in (False, True)
}


def single_line(text: str, limit: int = 250) -> str:
    """One line, for a header or a title: control characters (CR, LF, tab, NUL …) become spaces."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:limit]


@dataclass
class Source:
    """The wording of one kind × format × language, from a MessageTemplate row or the defaults file."""

    subject: str = ""
    body: str = ""
    html: str = ""
    sms_template_code: str = ""
    overridden: bool = False

    def is_empty(self) -> bool:
        return not self.body.strip()


@dataclass
class Rendered:
    subject: str = ""
    text: str = ""
    html: str = ""
    sms_template_code: str = ""
    sms_params: dict = field(default_factory=dict)


class TemplateProblem(Exception):
    """A template that cannot be rendered; `errors` maps the MessageTemplate field to the message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- the sources ---------------------------------------------------------------------------------

@functools.cache
def _default_sections(language: str, kind: str) -> dict[str, str]:
    path = DEFAULTS / language / f"{kind}.txt"
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    names = SECTION.findall(text)
    chunks = SECTION.split(text)[1:]  # name, content, name, content …
    return {name: chunks[i * 2 + 1].strip("\n") for i, name in enumerate(names)}


def default_source(kind: str, fmt: str, language: str) -> Source:
    sections = _default_sections(language, kind)
    values = {attr: sections.get(section, "") for section, attr in PARTS[fmt]}
    source = Source(**values)
    if fmt == TemplateFormat.SMS:
        source.sms_template_code = str(settings.SMS_TEMPLATE_CODES.get(kind, ""))
    return source


def has_default(kind: str, fmt: str) -> bool:
    """Whether the product ships wording for this kind in this format (rules send only what exists)."""
    return not default_source(kind, fmt, settings.LANGUAGE_CODE).is_empty()


class TemplateSet:
    """The administrators' rows read once (for a batch of deliveries or a preview), defaults for the rest."""

    def __init__(self, rows=None):
        if rows is None:
            rows = MessageTemplate.objects.all()
        self.rows = {(r.kind, r.format, r.language): r for r in rows}

    def source(self, kind: str, fmt: str, language: str) -> Source:
        row = self.rows.get((kind, fmt, language))
        default = default_source(kind, fmt, language)
        if row is None:
            if default.is_empty() and language != settings.LANGUAGE_CODE:
                return self.source(kind, fmt, settings.LANGUAGE_CODE)
            return default
        return Source(subject=row.subject, body=row.body, html=row.html, overridden=True,
                      sms_template_code=row.sms_template_code or default.sms_template_code)

    def render(self, kind: str, fmt: str, language: str, context: dict) -> Rendered:
        return render_source(self.source(kind, fmt, language), fmt, context)


# --- rendering -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=512)
def _compile(text: str, autoescape: bool):
    return _ENGINES[autoescape].from_string(text)


def _render(text: str, context: dict, *, autoescape: bool = False) -> str:
    if not text:
        return ""
    return _compile(text, autoescape).render(Context(context, autoescape=autoescape))


def render_source(source: Source, fmt: str, context: dict) -> Rendered:
    """Render every part of one source; raises TemplateProblem naming the part that failed.

    SMS wording is a JSON object: parameter name → template. It is parsed first and each value rendered
    on its own, so a quote in a ticket title can never break the JSON sent to the provider.
    """
    errors: dict[str, str] = {}
    out = Rendered(sms_template_code=source.sms_template_code)
    parts = [("subject", "subject"), ("body", "text"), ("html", "html")]
    if fmt == TemplateFormat.SMS:
        parts = [("subject", "subject")]
        try:
            params = json.loads(source.body or "{}")
        except ValueError as exc:
            params = None
            errors["body"] = _("SMS parameters must be a JSON object: %(error)s") % {"error": exc}
        if params is not None and (not isinstance(params, dict)
                                   or not all(isinstance(v, str) for v in params.values())):
            errors["body"] = _("SMS parameters must be a JSON object whose values are text.")
        elif params is not None:
            for name, text in params.items():
                try:
                    # A provider's parameter is one short line (Aliyun: at most 35 characters a variable).
                    out.sms_params[str(name)] = single_line(_render(text, context), 35)
                except Exception as exc:  # noqa: BLE001 - the template's problem, reported on its field
                    errors["body"] = _("Template syntax error: %(error)s") % {"error": exc}
                    break
    for attr, target in parts:
        try:
            value = _render(getattr(source, attr), context, autoescape=attr == "html")
        except TemplateSyntaxError as exc:
            errors[attr] = _("Template syntax error: %(error)s") % {"error": exc}
            continue
        except Exception as exc:  # noqa: BLE001 - any failure of a template is the template's problem
            errors[attr] = _("The template cannot be rendered: %(error)s") % {"error": exc}
            continue
        setattr(out, target, single_line(value) if attr == "subject" else value.strip())
    if errors:
        raise TemplateProblem(errors)
    return out


def check(*, kind: str, fmt: str, language: str, subject: str, body: str, html: str = "") -> dict[str, str]:
    """Errors of a template an administrator is saving (empty: it renders on the sample ticket)."""
    errors: dict[str, str] = {}
    if not (body or "").strip():
        errors["body"] = _("This field is required.")
    if fmt != TemplateFormat.EMAIL and html:
        errors["html"] = _("Only email has an HTML version.")
    if errors:
        return errors
    try:
        render_source(Source(subject=subject, body=body, html=html), fmt, sample_context(language, kind))
    except TemplateProblem as problem:
        return problem.errors
    return {}


# --- the context ---------------------------------------------------------------------------------

def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _person(user) -> str:
    if user is None:
        return "—"
    return str(user.display_name or user.get_full_name() or user.username)


def ticket_link(number: str) -> str:
    return f"{settings.PUBLIC_URL}/tickets/{number}/"


def ticket_context(ticket, language: str, detail: dict | None = None) -> dict:
    """Everything a template may say about a ticket and its event, as plain strings, in `language`.

    `ticket` is read with its organisation, contact, owner, group and SLA row (outbox.py loads them in
    one query per batch). `detail` is the event's own part (Delivery.context), already primitives.
    """
    from serviceloop.tickets.choices import Priority, Status, SubStatus

    detail = detail or {}
    if ticket is None:
        # A message about no ticket (a published report, reports/services.py): only the event's part.
        with override(language):
            return _detail_context(detail)
    sla = getattr(ticket, "sla", None)
    with override(language):
        ctx = {
            "number": ticket.number,
            "title": ticket.title,
            "priority": str(Priority(ticket.priority).label) if ticket.priority in Priority.values else "",
            "priority_code": ticket.priority,
            "urgent": ticket.priority == Priority.URGENT,
            "status": str(Status(ticket.status).label) if ticket.status in Status.values else ticket.status,
            "sub_status": (str(SubStatus(ticket.sub_status).label) if ticket.sub_status in SubStatus.values
                           else ""),
            "organization": ticket.organization.name if ticket.organization_id else "",
            "contact_name": ticket.contact.name if ticket.contact_id else "",
            "engineer": _person(ticket.owner) if ticket.owner_id else "—",
            "group": ticket.group.name if ticket.group_id else "",
            "created_at": _when(ticket.created_at),
            "response_due": _when((sla.first_response_due or sla.acknowledge_due) if sla else None),
            "resolution_due": _when(sla.resolution_deadline if sla else None),
            "due": _when(sla.next_deadline if sla else None),
            "link": ticket_link(ticket.number),
            "track_link": f"{settings.PUBLIC_URL}/track/",
        }
        ctx.update(_detail_context(detail))
    return ctx


def _detail_context(detail: dict) -> dict:
    """The event's part, labels translated in the active language."""
    from serviceloop.sla.models import EscalationKind, Metric
    from serviceloop.tickets.choices import Status

    from .rules import MILESTONES

    def status_label(code):
        return str(Status(code).label) if code in Status.values else ""

    out = {
        "reply": detail.get("reply", ""),
        "reply_by": detail.get("reply_by", ""),
        "old_status": status_label(detail.get("from")),
        "new_status": status_label(detail.get("to")),
        "milestone": detail.get("milestone", ""),
        "milestone_label": str(MILESTONES[detail["milestone"]])
        if detail.get("milestone") in MILESTONES
        else "",
        "reason": detail.get("reason", ""),
        "escalated_to": detail.get("escalated_to", ""),
        "escalation": (
            str(EscalationKind(detail["escalation_kind"]).label)
            if detail.get("escalation_kind") in EscalationKind.values
            else ""
        ),
        "metric": str(Metric(detail["metric"]).label) if detail.get("metric") in Metric.values else "",
        "breached": bool(detail.get("breached", False)),
        "due_at": _when(datetime.fromisoformat(detail["due_at"])) if detail.get("due_at") else "—",
        "survey_link": detail.get("survey_link", ""),
        "recipient_name": detail.get("recipient_name", ""),
        "result": detail.get("result", ""),
        "warranty_months": detail.get("warranty_months") or "",
        "confirm_link": detail.get("confirm_link", ""),
        "reminder": bool(detail.get("reminder", False)),
        "auto_close_at": _when(datetime.fromisoformat(detail["auto_close_at"]))
        if detail.get("auto_close_at")
        else "",
        # A published periodic report (reports/services.py report_publish): its title in the recipient's
        # language, the page to download it from, and its findings as lines of text.
        "report_title": detail.get("report_title", {}).get(get_language(), "")
        if isinstance(detail.get("report_title"), dict) else detail.get("report_title", ""),
        "report_link": detail.get("report_link", ""),
        "findings": detail.get("findings", {}).get(get_language(), "")
        if isinstance(detail.get("findings"), dict) else detail.get("findings", ""),
    }
    return out


def sample_context(language: str, kind: str = "") -> dict:
    """The sample ticket of the preview and of the save-time check: every name a template may use."""
    with override(language):
        return {
            "number": "202612-0042",
            "title": _("X-3000 shows no picture after power-on, error 500"),
            "priority": _("Urgent"),
            "priority_code": "urgent",
            "urgent": True,
            "status": _("In progress"),
            "sub_status": _("Shipped back"),
            "organization": "华东精密制造有限公司",
            "contact_name": "王女士",
            "engineer": "张工",
            "group": "硬件组",
            "created_at": "2026-12-01 09:30",
            "response_due": "2026-12-01 10:30",
            "resolution_due": "2026-12-02 18:00",
            "due": "2026-12-01 10:30",
            "link": ticket_link("202612-0042"),
            "track_link": f"{settings.PUBLIC_URL}/track/",
            "reply": _("Hello, the replacement power module has been shipped today."),
            "reply_by": "张工",
            "old_status": _("New"),
            "new_status": _("Resolved, awaiting confirmation"),
            "milestone": "shipped",
            "milestone_label": _("Parts shipped"),
            "reason": _("Customer's production line is down"),
            "escalated_to": "李主管",
            "escalation": _("Not acknowledged in time"),
            "metric": _("Resolution"),
            "breached": kind == MessageKind.BREACH_WARNING,
            "due_at": "2026-12-01 18:00",
            "survey_link": f"{settings.PUBLIC_URL}/survey/sample/",
            "recipient_name": "王女士",
            "result": _("The power module was replaced; the device starts normally again."),
            "warranty_months": 6,
            "confirm_link": f"{settings.PUBLIC_URL}/confirm/sample/",
            "reminder": False,
            "auto_close_at": "2026-12-04 18:00",
            "report_title": _("Monthly service report") + " · 2026-11",
            "report_link": f"{settings.PUBLIC_URL}/reports/1/",
            "findings": _("In %(period)s, %(category)s made up %(share)s of the tickets.")
            % {"period": "2026-11", "category": "硬件类", "share": "40%"},
        }
