"""A raw email (bytes) read into what intake needs: decoded headers, the text to show, the attachments.

Parsed with the stdlib `email` package (policy.default) for the MIME structure; headers, parameters
and text are decoded here, with rules that real Chinese mail needs (shared notes, mail-testing.md):

- charset labels gb2312 / gbk / cp936 … are decoded as GB18030, a superset: text labelled gb2312 very
  often uses GBK-only characters, and strict gb2312 leaves lone surrogates that break any later write;
  big5 as big5hkscs (a superset). An unknown label never raises: UTF-8, GB18030, Big5 are tried.
- raw 8-bit bytes in headers (a GBK file name sent by Outlook or Foxmail without RFC 2231 or 2047)
  are recovered from the parser's surrogate escapes and decoded, the message's own charsets first:
  trying UTF-8 first would silently turn some GBK names into Hebrew or Latin letters.
- RFC 2047 encoded words and RFC 2231 parameters are decoded with the same charset rules.
- HTML-only mail becomes plain text (htmltext.py html_to_text): no script or style content, entities decoded,
  links kept as text, quoted blocks marked with ">" so that quotes.py can strip them.
- Big attachments: base64 blocks longer than LEAN_BLOCK_BYTES are cut out of the bytes before the
  parser sees them and decoded from the raw bytes only when an attachment is taken. Parsing a mail
  with a 50 MB attachment whole took 6–10 s and 520 MB; cut out, it takes milliseconds.

Nothing here raises on bad input: a part that cannot be read is skipped and named in `defects`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.utils
import quopri
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import ecre
from email.message import Message
from email.parser import BytesParser

from serviceloop.core.bounds import datetime_in_range

from .htmltext import html_to_text

# --- charsets ---------------------------------------------------------------------------------------

_ALIASES = {
    "gb2312": "gb18030", "gb_2312": "gb18030", "gb_2312-80": "gb18030", "csgb2312": "gb18030",
    "euc-cn": "gb18030", "euccn": "gb18030", "x-euc-cn": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "cp936": "gb18030", "ms936": "gb18030", "windows-936": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs", "big-5": "big5hkscs", "x-big5": "big5hkscs", "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs", "big5-hkscs": "big5hkscs",
    # Mail labelled us-ascii often carries 8-bit UTF-8 anyway; ASCII is a subset of UTF-8.
    "us-ascii": "utf-8", "ascii": "utf-8", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    # Latin-1 labels in mail mean Windows-1252 in practice (as browsers decide).
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
}
# Tried in this order when a label is missing, unknown or wrong.
_FALLBACKS = ("utf-8", "gb18030", "big5hkscs")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when the label names no charset we know."""
    if not label:
        return None
    name = str(label).strip().strip("\"'").lower()
    if not name:
        return None
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


_LEGACY_CJK = {"gb18030", "big5hkscs", "cp950", "gbk", "gb2312"}


def _looks_like_utf8(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(ord(c) >= 0x800 for c in text) >= 2 and not _IMPLAUSIBLE_UTF8.search(text)


def decode_text(data: bytes, declared: str | None = None, hints: tuple[str, ...] = ()) -> str:
    """Decode a body: the declared charset if it decodes cleanly, then `hints`, UTF-8, GB18030, Big5;
    at worst the declared (or UTF-8) codec with replacement characters. Never raises, never returns
    lone surrogates."""
    declared_codec = codec_for(declared)
    if declared_codec in _LEGACY_CJK and _looks_like_utf8(data):
        # UTF-8 labelled GBK or Big5 (a webmail's mistake): GB18030 would decode it "cleanly" into
        # nonsense, while GBK text is practically never valid UTF-8 with several 3-byte characters.
        return data.decode("utf-8")
    tried = []
    for codec in (declared_codec, *(codec_for(h) for h in hints), *_FALLBACKS):
        if codec is None or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    # Nothing decodes cleanly (a stray byte, a NUL a server replaced): the reading with the fewest
    # replacement characters; Chinese text with one bad byte stays Chinese.
    return min((data.decode(codec, errors="replace") for codec in tried), key=lambda t: t.count("\ufffd"))


# UTF-8 decodings of GBK bytes land in U+0080–U+07FF (Latin-1 supplement … Arabic): letters a Chinese
# mail's header almost never holds, while real UTF-8 Chinese is three bytes per character.
_IMPLAUSIBLE_UTF8 = re.compile(r"[\u0080-\u07ff]")


def decode_raw_header_bytes(data: bytes, hints: tuple[str, ...] = ()) -> str:
    """Decode 8-bit bytes found raw in a header (no RFC 2047/2231), as Outlook and Foxmail send names.

    The message's own charsets (`hints`) come first. UTF-8 is taken only when it decodes cleanly to
    plausible text, then GB18030, Big5; short strings make "valid UTF-8" a weak signal (GBK 志 is D6 BE,
    a valid two-byte UTF-8 sequence for a Hebrew mark).
    """
    if not data:
        return ""
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        pass
    for label in hints:
        codec = codec_for(label)
        if codec and codec not in ("utf-8", "cp1252"):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
    utf8 = None
    try:
        utf8 = data.decode("utf-8")
        if not _IMPLAUSIBLE_UTF8.search(utf8):
            return utf8
    except UnicodeDecodeError:
        pass
    for codec in ("gb18030", "big5hkscs"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return utf8 if utf8 is not None else data.decode("utf-8", errors="replace")


def _source_bytes(value: str) -> bytes:
    """The bytes the parser read, from a header's source string (8-bit bytes arrive surrogate-escaped)."""
    try:
        return value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        # Characters beyond 8 bits: the value was already text (a header set by code, not parsed).
        return value.encode("utf-8", "surrogateescape")


def _decode_word(charset: str, encoding: str, text: str) -> bytes | None:
    try:
        if encoding.lower() == "b":
            text = text + "=" * (-len(text) % 4)  # Postel's law: add missing padding
            return base64.b64decode(text.encode("ascii", "replace"))
        return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def decode_header_value(raw: str | None, hints: tuple[str, ...] = ()) -> str:
    """A header's source text decoded: RFC 2047 words with our charset rules, raw 8-bit bytes recovered.

    Adjacent encoded words of one charset are joined before decoding (a character may be split across
    two words); whitespace between encoded words is dropped, as RFC 2047 says.
    """
    if raw is None:
        return ""
    raw = re.sub(r"\r?\n(?=[ \t])", "", str(raw))  # unfold
    pieces: list[tuple[bytes, str | None]] = []  # (bytes, charset) — charset None: not encoded

    def push(data: bytes, charset: str | None):
        if pieces and charset is not None and pieces[-1][1] is not None and pieces[-1][1] == charset:
            pieces[-1] = (pieces[-1][0] + data, charset)
        else:
            pieces.append((data, charset))

    parts = ecre.split(raw)
    # ecre.split gives: text, (charset, encoding, encoded, text)*
    texts = parts[0::4]
    words = [tuple(parts[i:i + 3]) for i in range(1, len(parts), 4)]
    decoded_previous = False
    for k, text in enumerate(texts):
        between_words = decoded_previous and k < len(words)
        if text and not (between_words and text.isspace()):
            push(_source_bytes(text), None)
        if k < len(words):
            charset, encoding, encoded = words[k]
            charset = charset.split("*", 1)[0].lower()  # RFC 2231 language suffix: =?gb2312*zh?B?…?=
            data = _decode_word(charset, encoding, encoded)
            decoded_previous = data is not None
            if data is None:
                push(_source_bytes(f"=?{charset}?{encoding}?{encoded}?="), None)
            else:
                push(data, charset)
    out = []
    for data, charset in pieces:
        if charset is None:
            out.append(decode_raw_header_bytes(data, hints))
        else:
            out.append(decode_text(data, charset, hints))
    return re.sub(r"[\r\n\t]+", " ", "".join(out)).strip()


# --- headers --------------------------------------------------------------------------------------

def raw_header(part: Message, name: str) -> str | None:
    """A header's source string as the parser stored it (not decoded), or None."""
    name = name.lower()
    for key, value in part.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _param(part: Message, header: str, param: str, hints: tuple[str, ...]) -> str | None:
    """A header parameter (RFC 2231 continuations and charsets, RFC 2047 inside quotes, raw 8-bit)."""
    raw = raw_header(part, header)
    if raw is None:
        return None
    # The compat32 Message keeps RFC 2231 values as (charset, language, text). It would turn surrogate
    # escapes into U+FFFD, so the source bytes go in as Latin-1 characters (one per byte) and come back.
    holder = Message()
    holder[header] = _source_bytes(re.sub(r"\r?\n(?=[ \t])", "", raw)).decode("latin-1")
    try:
        value = holder.get_param(param, header=header, unquote=True)
    except (ValueError, IndexError, TypeError):
        return None
    if value is None:
        return None
    if isinstance(value, tuple):
        charset, _language, text = value
        data = str(text).encode("latin-1", "replace")
        return decode_text(data, charset, hints) if charset else decode_raw_header_bytes(data, hints)
    return decode_header_value(
        str(value).encode("latin-1", "replace").decode("ascii", "surrogateescape"), hints
    )


def _message_ids(value: str) -> list[str]:
    """Message-IDs in a header (In-Reply-To, References), without angle brackets, in order."""
    found = re.findall(r"<([^<>\s]{1,250})>", value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return found


def normalise_message_id(value: str | None) -> str:
    ids = _message_ids(value or "")
    return ids[0][:255] if ids else ""


def _parse_date(value: str) -> datetime | None:
    """The Date header as an aware datetime, or None when it is missing, unreadable or outside the input
    years (core/bounds.py): `Fri, 31 Dec 9999 23:59:59 -1400` is a well-formed date after year 9999 in UTC,
    which SQLite's adapter cannot convert (OverflowError) and psycopg cannot read back from PostgreSQL."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    try:
        return moment if datetime_in_range(moment) else None
    except OverflowError:
        return None


# --- big base64 blocks ----------------------------------------------------------------------------

# A run of base64 lines longer than this is taken out before parsing (see the module docstring).
LEAN_BLOCK_BYTES = 256 * 1024
_B64_LINE = rb"[A-Za-z0-9+/]{40,}={0,2}\r?\n"
# Maximal runs of base64 lines, then filtered by length: a `{N,}` count in the pattern made the engine
# retry from every line of each shorter run (quadratic: 1 s for a mail with a 400 KB attachment).
_B64_RUN = re.compile(rb"(?m)^(?:" + _B64_LINE + rb")+")


@dataclass
class _Blocks:
    raw: bytes
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # token → (start, end) in raw
    nonce: str = ""

    def tokens_in(self, text: str) -> list[str]:
        return (
            [t for t in re.findall(rf"SLBLOB{self.nonce}\d+X", text) if t in self.spans] if self.nonce else []
        )


def _cut_big_blocks(raw: bytes) -> tuple[bytes, _Blocks]:
    blocks = _Blocks(raw=raw)
    if len(raw) < LEAN_BLOCK_BYTES:
        return raw, blocks
    blocks.nonce = secrets.token_hex(4)
    out, last = [], 0
    big = (m for m in _B64_RUN.finditer(raw) if m.end() - m.start() >= LEAN_BLOCK_BYTES)
    for n, match in enumerate(big):
        token = f"SLBLOB{blocks.nonce}{n}X"
        blocks.spans[token] = (match.start(), match.end())
        out += [raw[last:match.start()], token.encode("ascii"), b"\r\n"]
        last = match.end()
    if not blocks.spans:
        return raw, blocks
    out.append(raw[last:])
    return b"".join(out), blocks


# --- the parsed mail ------------------------------------------------------------------------------

@dataclass
class MailAttachment:
    """A file in the mail; its bytes are decoded only when `load()` is called (they may be large)."""

    filename: str
    content_type: str
    size: int  # decoded size (estimated from the encoded length for cut-out blocks: ±3 bytes)
    inline: bool
    load: Callable[[], bytes] = field(repr=False)


@dataclass
class DeliveryReport:
    """One recipient of a delivery status notification (RFC 3464)."""

    recipient: str
    action: str
    status: str
    diagnostic: str


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    date: datetime | None
    content_type: str
    report_type: str
    text: str  # the whole readable text (plain, or made from HTML)
    from_html: bool
    attachments: list[MailAttachment]
    delivery_reports: list[DeliveryReport]
    headers: dict[str, list[str]]  # lowercased name → decoded values
    charsets: tuple[str, ...]
    defects: list[str]

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


_SIGNATURE_TYPES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
}
_REPORT_PARTS = {
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "text/rfc822-headers",
    "message/feedback-report",
}


def split_headers(raw: bytes) -> bytes:
    """The header section of a raw message (up to the first empty line)."""
    match = re.search(rb"\r?\n\r?\n", raw)
    return raw[: match.end()] if match else raw


def _charsets(message: Message) -> tuple[str, ...]:
    found = []
    for part in message.walk():
        charset = _param(part, "content-type", "charset", ()) if raw_header(part, "content-type") else None
        codec = codec_for(charset)
        if codec and codec not in found and codec not in ("utf-8", "cp1252", "ascii"):
            found.append(codec)
    return tuple(found)


def _addresses(value: str) -> list[tuple[str, str]]:
    try:
        pairs = email.utils.getaddresses([value])
    except (TypeError, ValueError, IndexError):
        return []
    return [(name.strip(), addr.strip()) for name, addr in pairs if addr and "@" in addr]


def _payload(part: Message, blocks: _Blocks) -> bytes:
    """A part's decoded bytes; blocks cut out before parsing are put back first."""
    encoded = part.get_payload(decode=False)
    if not isinstance(encoded, str):
        return b""
    tokens = blocks.tokens_in(encoded)
    cte = (raw_header(part, "content-transfer-encoding") or "").strip().lower()
    if tokens and cte == "base64":
        # Decoded piece by piece from a view of the raw bytes, not from one joined copy of them: each
        # piece is whole lines of a multiple of 4 characters (what encoders write), else joined.
        raw, view = blocks.raw, memoryview(blocks.raw)
        pieces, lengths, rest = [], [], encoded
        for token in tokens:
            before, _sep, rest = rest.partition(token)
            start, end = blocks.spans[token]
            before = before.encode("ascii", "ignore")
            pieces += [before, view[start:end]]
            lengths += [len(re.sub(rb"\s", b"", before)),
                        end - start - raw.count(b"\n", start, end) - raw.count(b"\r", start, end)]
        pieces.append(rest.encode("ascii", "ignore"))
        try:
            if all(n % 4 == 0 for n in lengths):
                return b"".join([binascii.a2b_base64(p) for p in pieces])
            return binascii.a2b_base64(b"".join(pieces))
        except binascii.Error:
            return base64.b64decode(
                re.sub(rb"[^A-Za-z0-9+/=]", b"", b"".join(pieces)) + b"==", validate=False
            )
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a broken transfer encoding: the source bytes are better than nothing
        data = None
    if data is None:
        return _source_bytes(encoded)
    return data


def _size(part: Message, blocks: _Blocks) -> int:
    encoded = part.get_payload(decode=False)
    if not isinstance(encoded, str):
        return 0
    cte = (raw_header(part, "content-transfer-encoding") or "").strip().lower()
    tokens = blocks.tokens_in(encoded)
    if cte == "base64":
        length = len(re.sub(r"\s", "", encoded))
        for token in tokens:
            start, end = blocks.spans[token]
            chunk = blocks.raw[start:end]
            length += len(chunk) - chunk.count(b"\n") - chunk.count(b"\r") - len(token)
        return length * 3 // 4
    return len(encoded)


class _Walker:
    """Walks the MIME tree once: the text parts in order, the attachments, the delivery reports."""

    def __init__(self, blocks: _Blocks, hints: tuple[str, ...]):
        self.blocks = blocks
        self.hints = hints
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[MailAttachment] = []
        self.reports: list[DeliveryReport] = []
        self.defects: list[str] = []

    def text_of(self, part: Message) -> str:
        charset = _param(part, "content-type", "charset", ())
        return decode_text(_payload(part, self.blocks), charset, self.hints).replace("\r\n", "\n")

    def filename(self, part: Message) -> str:
        return (_param(part, "content-disposition", "filename", self.hints)
                or _param(part, "content-type", "name", self.hints) or "").strip()

    def walk(self, part: Message, *, in_alternative: bool = False) -> None:
        try:
            self._walk(part, in_alternative=in_alternative)
        except Exception as exc:  # noqa: BLE001 - one unreadable part must not lose the rest of the mail
            self.defects.append(f"{part.get_content_type()}: {type(exc).__name__}: {exc}"[:300])

    def _walk(self, part: Message, *, in_alternative: bool) -> None:
        ctype = part.get_content_type()
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                return
            if ctype == "multipart/alternative":
                self._alternative(children)
            elif ctype == "multipart/report":
                for child in children:
                    if (
                        child.get_content_type() in _REPORT_PARTS
                        or child.get_content_type() == "message/rfc822"
                    ):
                        self._report(child)
                    else:
                        self.walk(child)
            else:
                for child in children:
                    self.walk(child)
            return
        disposition = (part.get_content_disposition() or "").lower()
        name = self.filename(part)
        if ctype in _SIGNATURE_TYPES:
            return
        if ctype in _REPORT_PARTS:
            self._report(part)
            return
        if (
            ctype in ("text/plain", "text/html")
            and disposition != "attachment"
            and not (name and disposition)
        ):
            (self.plain if ctype == "text/plain" else self.html).append(self.text_of(part))
            return
        if ctype == "message/rfc822" and not name:
            inner = part.get_payload()
            subject = ""
            if isinstance(inner, list) and inner:
                subject = decode_header_value(raw_header(inner[0], "subject"), self.hints)
            name = f"{subject or 'message'}.eml"
        self._attachment(part, name, ctype, disposition)

    def _alternative(self, children: list[Message]) -> None:
        plain = [c for c in children if c.get_content_type() == "text/plain" and not c.is_multipart()]
        if plain:
            self.walk(plain[0], in_alternative=True)
            # Files inside the richer alternative (multipart/related images) are still attachments.
            for child in children:
                if child.is_multipart():
                    self._files_only(child)
            return
        # No plain text: the richest alternative (the last one, RFC 2046) that we can read.
        for child in reversed(children):
            if child.is_multipart() or child.get_content_type() == "text/html":
                self.walk(child, in_alternative=True)
                return
        if children:
            self.walk(children[-1], in_alternative=True)

    def _files_only(self, part: Message) -> None:
        for child in part.walk():
            if child.is_multipart() or child.get_content_type().startswith("text/"):
                continue
            self._attachment(child, self.filename(child), child.get_content_type(),
                             (child.get_content_disposition() or "").lower())

    def _attachment(self, part: Message, name: str, ctype: str, disposition: str) -> None:
        if not name:
            subtype = ctype.split("/", 1)[-1]
            name = f"attachment.{re.sub(r'[^a-z0-9]', '', subtype)[:8] or 'bin'}"
        self.attachments.append(MailAttachment(
            filename=name, content_type=ctype, size=_size(part, self.blocks),
            inline=disposition == "inline", load=lambda p=part: _payload(p, self.blocks)))

    def _report(self, part: Message) -> None:
        ctype = part.get_content_type()
        if ctype not in ("message/delivery-status", "message/global-delivery-status"):
            return  # the returned message or its headers, or another kind of report: nothing to read
        blocks = part.get_payload()
        if isinstance(blocks, list) and blocks and not isinstance(blocks[0], str):
            groups = [dict((k.lower(), str(v)) for k, v in block.items()) for block in blocks]
        else:
            text = self.text_of(part)
            groups = [dict((k.strip().lower(), v.strip()) for k, _sep, v in
                           (line.partition(":") for line in chunk.splitlines() if ":" in line))
                      for chunk in re.split(r"\n\s*\n", text)]
        for fields in groups[1:] or groups:
            recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
            address = recipient.split(";", 1)[-1].strip().strip("<>")
            if "@" not in address:
                continue
            self.reports.append(DeliveryReport(
                recipient=address.lower(), action=(fields.get("action") or "").strip().lower(),
                status=(fields.get("status") or "").strip().split(" ", 1)[0],
                diagnostic=re.sub(r"\s+", " ", fields.get("diagnostic-code") or "").strip()[:500]))


def parse(raw: bytes) -> ParsedMail:
    """Read a raw message. Never raises for bad mail: what cannot be read is listed in `defects`."""
    lean, blocks = _cut_big_blocks(raw)
    message = BytesParser(policy=policy.default).parsebytes(lean)
    defects = [type(d).__name__ for d in getattr(message, "defects", [])]
    try:
        hints = _charsets(message)
    except Exception:  # noqa: BLE001
        hints = ()
    walker = _Walker(blocks, hints)
    walker.walk(message)
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        headers.setdefault(name.lower(), []).append(decode_header_value(str(value), hints))
    senders = _addresses(headers.get("from", [""])[0]) or _addresses(headers.get("sender", [""])[0])
    from_name, from_address = senders[0] if senders else ("", "")
    references = _message_ids(" ".join(headers.get("references", [])))
    in_reply_to = _message_ids(" ".join(headers.get("in-reply-to", [])))
    if walker.plain:
        text, from_html = "\n\n".join(t.strip("\n") for t in walker.plain), False
    elif walker.html:
        text, from_html = "\n\n".join(html_to_text(h) for h in walker.html), True
    else:
        text, from_html = "", False
    report_type = (_param(message, "content-type", "report-type", ()) or "").lower()
    return ParsedMail(
        message_id=normalise_message_id(" ".join(headers.get("message-id", []))),
        in_reply_to=in_reply_to, references=references,
        subject=headers.get("subject", [""])[0],
        from_address=from_address.lower(), from_name=from_name.strip('"').strip(),
        to=[a.lower() for _n, a in _addresses(", ".join(headers.get("to", [])))],
        cc=[a.lower() for _n, a in _addresses(", ".join(headers.get("cc", [])))],
        date=_parse_date(headers.get("date", [""])[0]),
        content_type=message.get_content_type(), report_type=report_type,
        text=text.replace("\x00", "").strip(), from_html=from_html,
        attachments=walker.attachments, delivery_reports=walker.reports,
        headers=headers, charsets=hints, defects=defects + walker.defects,
    )


def parse_headers(raw: bytes) -> ParsedMail:
    """Only the headers (cheap: the body is not read), for storing a message before processing it."""
    return parse(split_headers(raw) + b"\r\n")
