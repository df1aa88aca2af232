"""Schema pieces every API module shares: strict input, and the error body of every failure status."""

from ninja import Schema
from pydantic import ConfigDict


class Strict(Schema):
    """Input schema that refuses unknown fields (a typo is a 422, not silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut,
          415: ErrorOut, 422: ErrorOut}
