"""Turn pydantic/ninja validation errors into field names and messages in the user's language.

Pydantic writes its messages in English only; we key on the error `type` and write our own
translated message, so a zh-Hans client reads Chinese and an English client English.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput


def _field_name(loc) -> str:
    """("body", "payload", "title") → "title"; ("file", "file") → "file": drop only the envelope."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    # A list position reads as the services write it: targets[0].amount, not targets.0.amount.
    name = ""
    for part in parts:
        name += f"[{part}]" if part.isdigit() and name else (f".{part}" if name else part)
    return name or "body"


def _message(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in ("out_of_range", "nul_character", "time_offset"):
        return str(ctx.get("message", ""))  # core/bounds.py wrote it, translated, naming the range
    if kind == "missing":
        return _("This field is required.")
    if kind in ("string_too_long", "too_long"):
        return _("At most %(limit)s characters are allowed.") % {"limit": ctx.get("max_length", "?")}
    if kind in ("string_too_short", "too_short"):
        if ctx.get("min_length", 1) == 1:
            return _("This field may not be empty.")
        return _("At least %(limit)s characters are needed.") % {"limit": ctx.get("min_length")}
    if kind == "string_type":
        return _("Enter text.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return _("Enter a number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind == "timezone_aware":
        return _("Give the time zone too, e.g. 2026-05-01T14:00:00+08:00.")
    if kind.startswith("datetime"):
        return _("Enter a date and time such as 2026-05-01T14:00:00+08:00.")
    if kind.startswith("date"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(allowed)s") % {"allowed": ctx.get("expected", "")}
    if kind == "greater_than_equal":
        return _("Must be at least %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Must be at most %(limit)s.") % {"limit": ctx.get("le")}
    if kind == "greater_than":
        return _("Must be greater than %(limit)s.") % {"limit": ctx.get("gt")}
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return _("Send a JSON object.")
    if kind == "list_type":
        return _("Send a list.")
    if kind == "value_error":
        return _("Invalid value: %(detail)s") % {"detail": str(ctx.get("error", err.get("msg", "")))}
    return _("Invalid value.")


def translate_errors(errors: list[dict]) -> list[dict]:
    return [{"field": _field_name(e.get("loc", ())), "message": _message(e), "type": e.get("type", "")}
            for e in errors]


def require_single(request, *fields: str) -> None:
    """Refuse a multipart request that repeats a single-valued field (`internal` twice, two `file`s):
    Django would quietly keep the last value, so the client could not tell which one counted."""
    for name in fields:
        if len(request.POST.getlist(name)) + len(request.FILES.getlist(name)) > 1:
            raise InvalidInput.field(name, _("Send this field only once."))
