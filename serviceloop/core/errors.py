"""The errors services raise; one handler (core/api.py) turns each into its HTTP answer.

Services never know about HTTP, but each error carries the status it stands for so that
the API and the web views answer consistently: 404 hides what the user may not see, 409 is
a state conflict, 413/415 are refused uploads, 422 is input that cannot be accepted.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class ServiceError(Exception):
    """Base of every error a service raises on purpose; `message` is already translated."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, *, errors: list[dict] | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = str(message)
        self.errors = errors or []
        self.extra = extra or {}

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class InvalidInput(ServiceError):
    """Input that is well-formed but cannot be accepted (unknown reference, bad value)."""

    status_code = 422
    code = "invalid"

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(message, errors=[{"field": field, "message": str(message)}])

    @classmethod
    def unknown(cls, field: str, what: str, value) -> InvalidInput:
        """The one message for an id the user sent that names nothing they may use: “Unknown
        organisation: 7” on `field` (absent and not theirs look the same on purpose)."""
        return cls.field(field, _("Unknown %(what)s: %(id)s") % {"what": what, "id": value})


class NotFound(ServiceError):
    """Absent, or present but not visible to this user: the two look the same on purpose."""

    status_code = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The user may see the object but not perform this action on it."""

    status_code = 403
    code = "forbidden"


class Conflict(ServiceError):
    """The action does not fit the object's current state (e.g. a refused status transition)."""

    status_code = 409
    code = "conflict"


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "too_large"


class UnsupportedMediaType(ServiceError):
    status_code = 415
    code = "unsupported_type"


def known(model_or_qs, pk, field: str, what: str):
    """The row `pk` of a model (or of a queryset already scoped to the user) for an id the user sent
    in `field`; None when no id was sent; InvalidInput.unknown (422 naming the field) when none is found.

    Reads with [:1], not .first(): first() adds ORDER BY pk, which a primary-key lookup does not need
    but every create request would pay for in query composition.
    """
    if pk is None:
        return None
    qs = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    row = next(iter(qs.filter(pk=pk)[:1]), None)
    if row is None:
        raise InvalidInput.unknown(field, what, pk)
    return row
