"""INT-5: decide an upload's true type from its first bytes, never from its name.

Each known type has a signature test on the head of the file; text is accepted when the head
decodes as UTF-8 or GB18030 with no NUL bytes. Anything else (executables, scripts disguised
as images, unknown formats) has no type here and is refused by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    code: str
    mime: str
    extensions: tuple[str, ...]


TYPES = {
    "jpg": FileType("jpg", "image/jpeg", (".jpg", ".jpeg")),
    "png": FileType("png", "image/png", (".png",)),
    "gif": FileType("gif", "image/gif", (".gif",)),
    "pdf": FileType("pdf", "application/pdf", (".pdf",)),
    "zip": FileType("zip", "application/zip", (".zip",)),
    "mp4": FileType("mp4", "video/mp4", (".mp4", ".m4v", ".mov")),
    "txt": FileType("txt", "text/plain", (".txt", ".log", ".csv")),
}
# "log" is an alias administrators may write in the allow-list; the content test is the same.
ALIASES = {"jpeg": "jpg", "log": "txt", "text": "txt"}


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    # The head may end in the middle of a multi-byte character; drop up to 3 trailing bytes.
    for cut in range(4):
        chunk = head[: len(head) - cut] if cut else head
        for encoding in ("utf-8", "gb18030"):
            try:
                chunk.decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def sniff(head: bytes) -> FileType | None:
    """The type the content shows, or None when it is not one we know."""
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES["jpg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES["png"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return TYPES["gif"]
    if head.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return TYPES["zip"]
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return TYPES["mp4"]
    if _is_text(head):
        return TYPES["txt"]
    return None


def normalise_allow_list(codes: list[str]) -> set[str]:
    return {ALIASES.get(c.lower(), c.lower()) for c in codes}
