"""Refuse an oversized upload while it is still arriving, not after it has filled the disk (INT-5)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from serviceloop.core.errors import PayloadTooLarge

# Room for the multipart envelope (boundaries, headers, small form fields) around the file itself.
ENVELOPE_BYTES = 64 * 1024


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(_("The file is larger than the limit of %(limit)s.")
                           % {"limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)})


class SizeLimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts the bytes of each file and stops at ATTACHMENT_MAX_BYTES.

    A request announcing more than the limit is refused before a byte is read; one that lies about its
    length is stopped when the running count passes the limit. The error becomes a 413.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.ATTACHMENT_MAX_BYTES + ENVELOPE_BYTES:
            raise _too_large()

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.ATTACHMENT_MAX_BYTES:
            raise _too_large()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers build the file
