"""/api/v1/email: the original of an inbound email (.eml), for staff."""

from __future__ import annotations

from django.http import FileResponse
from ninja import Router

from serviceloop.core.bounds import Id
from serviceloop.core.schemas import ERRORS

from . import selectors

router = Router(tags=["email"])


@router.get("/messages/{message_id}/original", response={200: None, **ERRORS},
            summary="Download the original of an inbound email (.eml; staff only)")
def download_original(request, message_id: Id):
    message = selectors.inbound_message_original(user=request.auth, message_id=message_id)
    response = FileResponse(
        message.raw.open("rb"),
        as_attachment=True,
        filename=selectors.eml_filename(message),
        content_type="message/rfc822",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
