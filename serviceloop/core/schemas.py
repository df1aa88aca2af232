"""Schema pieces every API module shares: the base schema, strict input, the error body of every failure
status, and the one JSON form of every datetime in an answer (LocalTimeRenderer)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from ninja import Schema as NinjaSchema
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, model_validator


class Schema(NinjaSchema):
    """The base of every API schema here: ninja's, except that a dict is validated as it is.

    Ninja wraps whatever it validates in a DjangoGetter, so that a schema can read a model's attributes,
    follow a Manager or call a method. Our handlers answer with dicts built for their schema, and that
    wrapper around a dict — every field of every nested schema read through `__getattr__` and
    `_convert_result` — was a tenth of a ticket create's CPU. A model instance still goes through it.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        if type(values) is dict:
            return handler(values)
        # ninja's own rule for an object: an extra="forbid" schema also checks the object itself.
        if cls.model_config.get("extra") == "forbid" or cls.model_config.get("validate_assignment", False):
            handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class Strict(Schema):
    """Input schema that refuses unknown fields (a typo is a 422, not silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut,
          415: ErrorOut, 422: ErrorOut}


class LocalTimeEncoder(NinjaJSONEncoder):
    """Every datetime of every API answer in one form (issue #11.5): ISO 8601 in settings.TIME_ZONE with
    its offset, e.g. 2026-12-31T17:00:00+08:00; milliseconds only when there are any. A time read from
    the database (UTC) and one just given in +08:00 look the same, in POST answers and GETs alike."""

    def default(self, o):
        if isinstance(o, datetime) and o.tzinfo is not None:
            try:
                local = o.astimezone(ZoneInfo(settings.TIME_ZONE))
            except OverflowError:  # within hours of year 1 or 9999: kept in its own offset
                local = o
            return local.isoformat(timespec="milliseconds" if local.microsecond else "seconds")
        return super().default(o)


class LocalTimeRenderer(JSONRenderer):
    """The API's renderer (server/api.py): JSON with LocalTimeEncoder."""

    encoder_class = LocalTimeEncoder
