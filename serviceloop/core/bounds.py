"""The bounded input vocabulary: what a client or a form may send, checked in one place (issue #9).

Every API schema and every web form builds on these rules, so a value that could not be stored,
read back or shown is refused at the door with 422 and the field's name, instead of breaking a
list for everyone later:

* datetimes and dates within INPUT_YEAR_MIN..INPUT_YEAR_MAX (settings, 1970–2100 by default).
  `0001-01-01T00:00:00+14:00` is a valid ISO 8601 instant, but it lies before year 1 in UTC:
  PostgreSQL stores it and psycopg then refuses to read the row back, so every list holding it
  answered 500;
* ids within a 64-bit column (every primary key here is a BigAutoField): beyond it SQLite raises
  OverflowError, PostgreSQL an out-of-range error;
* text without NUL (PostgreSQL cannot store U+0000 in a text column) and within its length.

A time range check compares instants, so any offset (±14:00) is fine while the instant is inside.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

ID_MAX = 2**63 - 1  # BigAutoField on PostgreSQL (bigint) and SQLite (64-bit INTEGER)
INT32_MAX = 2**31 - 1  # IntegerField / PositiveIntegerField on PostgreSQL
NUL = "\x00"
# The JSON schema of every text field says it too, so a generated client (or a fuzzer) knows.
NO_NUL_PATTERN = "^[^\\u0000]*$"
_NUMBER = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*")


# --- the rules --------------------------------------------------------------------------------------

def year_range() -> tuple[int, int]:
    """The first and the last year a date or datetime input may fall in (INPUT_YEAR_MIN/MAX)."""
    return settings.INPUT_YEAR_MIN, settings.INPUT_YEAR_MAX


def datetime_range() -> tuple[datetime, datetime]:
    """[start, end): the instants a datetime input may name, from the years above, in UTC."""
    first, last = year_range()
    return datetime(first, 1, 1, tzinfo=UTC), datetime(last + 1, 1, 1, tzinfo=UTC)


def range_message() -> str:
    first, last = year_range()
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": f"{first}-01-01",
        "last": f"{last}-12-31",
    }


def nul_message() -> str:
    return _("Text may not contain the NUL character (\\0).")


def datetime_in_range(value: datetime) -> bool:
    """True for an aware datetime inside the range; a naive one is read in UTC (it is never stored so)."""
    start, end = datetime_range()
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    return start <= value < end


def date_in_range(value: date) -> bool:
    first, last = year_range()
    return first <= value.year <= last


# --- pydantic types for the API schemas ---------------------------------------------------------------

def _check_datetime(value: datetime) -> datetime:
    if not datetime_in_range(value):
        raise PydanticCustomError("out_of_range", "{message}", {"message": range_message()})
    return value


def _check_date(value: date) -> date:
    if not date_in_range(value):
        raise PydanticCustomError("out_of_range", "{message}", {"message": range_message()})
    return value


def _iso_only(kind: str):
    """Pydantic reads a number as seconds since 1970 (0.5 → 1970-01-01T00:00:00.5Z) or days; the
    API documents ISO 8601 text, so a number is refused as not a date (found by schemathesis)."""

    def check(value):
        if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
            raise PydanticCustomError(f"{kind}_parsing", "Input should be an ISO 8601 {kind}", {"kind": kind})
        return value

    return BeforeValidator(check)


def _check_text(value: str) -> str:
    if NUL in value:
        raise PydanticCustomError("nul_character", "{message}", {"message": nul_message()})
    return value


def _check_local_time(value: time) -> time:
    if value.tzinfo is not None:
        raise PydanticCustomError("time_offset", "{message}",
                                  {"message": _("Give a local time without an offset, e.g. 09:00.")})
    return value


Datetime = Annotated[AwareDatetime, _iso_only("datetime"), AfterValidator(_check_datetime)]
Date = Annotated[date, _iso_only("date"), AfterValidator(_check_date)]
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
# A list's `cursor`: the `next_cursor` of the page before, URL-safe base64 (core/pagination.py).
Cursor = Annotated[str, Field(max_length=200, pattern=r"^[A-Za-z0-9_-]*$")]
# true or false in a JSON body, not 0, 1 or "yes" (pydantic's lax default); query strings and
# multipart fields keep plain `bool`, which reads their text.
Bool = Annotated[bool, Strict()]


def _form_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PydanticCustomError("bool_parsing", "Input should be true or false")


# A multipart form field: the text "true" or "false" (not 0, 1, "yes", "on").
FormBool = Annotated[bool, BeforeValidator(_form_bool)]
# A date of a calendar (its own range, 1900–2100, is the calendar's rule): ISO text, never a number.
IsoDate = Annotated[date, _iso_only("date")]
# A time of day in a calendar's own zone: "09:00" or "09:00:00". JSON Schema's `format: time` means
# an RFC 3339 time *with* an offset, which these values never have, so the schema gives the pattern.
LocalTime = Annotated[time, AfterValidator(_check_local_time), WithJsonSchema(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
     "description": "local time of day, HH:MM or HH:MM:SS, no offset", "examples": ["09:00"]})]


def text(max_length: int, *, min_length: int = 0, pattern: str | None = None):
    """A string of at most `max_length` characters without NUL, matching `pattern` if one is given
    (which must exclude NUL itself); the JSON schema states the pattern either way."""
    if pattern is None:
        return Annotated[str, Field(min_length=min_length, max_length=max_length),
                         AfterValidator(_check_text), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})]
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=pattern),
                     AfterValidator(_check_text)]


# --- the same rules for Django forms ------------------------------------------------------------------

def validate_datetime(value: datetime) -> None:
    if value is not None and not datetime_in_range(value):
        raise ValidationError(range_message(), code="out_of_range")


def validate_date(value: date) -> None:
    if value is not None and not date_in_range(value):
        raise ValidationError(range_message(), code="out_of_range")


class DateTimeField(forms.DateTimeField):
    """A form's date and time, refused outside the input range (ProblemForm, IntakeForm, EscalateForm)."""

    default_validators = [validate_datetime]

    def to_python(self, value):
        # A year the local zone cannot convert (year 1 in Asia/Shanghai lies before year 1 in UTC) is
        # refused as out of range, not left to overflow later.
        try:
            return super().to_python(value)
        except OverflowError:
            raise ValidationError(range_message(), code="out_of_range") from None


class DateField(forms.DateField):
    """A form's date, refused outside the input range (filters, pending until)."""

    default_validators = [validate_date]


class IdField(forms.IntegerField):
    """An id typed or sent in a form: a whole number within a 64-bit column."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


def _pk_in_range(value) -> bool:
    """An id as a form sends it (text): refuse one no 64-bit column can hold before it reaches SQL."""
    try:
        return abs(int(str(value).strip())) <= ID_MAX
    except ValueError:
        return True  # not a number at all: the field's own check refuses it


class ModelChoiceField(forms.ModelChoiceField):
    """Django's ModelChoiceField, with an id beyond a 64-bit column refused as an invalid choice
    (SQLite raises OverflowError on binding it, which Django does not catch)."""

    def to_python(self, value):
        if value not in self.empty_values and not _pk_in_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else [value]:
            if not _pk_in_range(pk):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": str(pk)[:30]})
        return super()._check_values(value)
