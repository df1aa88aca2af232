"""IMAP for the fetch job (stdlib imaplib): connect over TLS, STARTTLS or — on loopback only — plain;
select a folder; list the UIDs above the last one seen; fetch a message without marking it read
(BODY.PEEK[]: RFC822 would set \\Seen before we have processed it); then mark it read or move it.

Folder names are sent in IMAP's modified UTF-7 (RFC 3501 5.1.3): Chinese mail hosts name folders in
Chinese (已删除, 客服工单), which plain ASCII cannot carry.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import ipaddress
import re
import socket
import ssl

from django.utils.translation import gettext as _

from .models import Mailbox, Security


class ImapError(Exception):
    """The server refused or failed; the message is meant for the mailbox's `last_error`."""


def encode_folder(name: str) -> str:
    """A folder name in modified UTF-7, quoted for a command."""
    out, pending = [], []

    def flush():
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    encoded = "".join(out)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(u) for u in uids)


class ImapSession:
    """One logged-in connection to a mailbox; use as a context manager (logs out at the end)."""

    def __init__(self, mailbox: Mailbox, password: str, *, timeout: int = 60):
        self.mailbox = mailbox
        self.password = password
        self.timeout = timeout
        self.imap: imaplib.IMAP4 | None = None
        self.capabilities: set[str] = set()
        self._created: set[str] = set()

    def __enter__(self) -> ImapSession:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        box = self.mailbox
        try:
            if box.security == Security.TLS:
                self.imap = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=ssl.create_default_context(),
                                              timeout=self.timeout)
            else:
                if box.security == Security.PLAIN and not is_loopback(box.host):
                    raise ImapError(_("Unencrypted IMAP is allowed only to this machine (loopback); "
                                      "choose TLS or STARTTLS for %(host)s.") % {"host": box.host})
                self.imap = imaplib.IMAP4(box.host, box.port, timeout=self.timeout)
                if box.security == Security.STARTTLS:
                    self.imap.starttls(ssl_context=ssl.create_default_context())
            self._login(box.username, self.password)
            typ, data = self.imap.capability()
            if typ == "OK" and data:
                self.capabilities = {c.upper() for c in data[-1].decode("ascii", "replace").split()}
        except ImapError:
            self.close()
            raise
        except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
            self.close()
            raise ImapError(_("Cannot log in to %(host)s:%(port)s: %(error)s")
                            % {"host": box.host, "port": box.port, "error": exc}) from exc

    def _login(self, username: str, password: str) -> None:
        """LOGIN takes ASCII only (imaplib refuses anything else before sending it); a user name or password
        with other characters (密码, ü) goes by AUTHENTICATE PLAIN, which carries UTF-8 (RFC 4616)."""
        if username.isascii() and password.isascii():
            self.imap.login(username, password)
            return
        if "AUTH=PLAIN" not in {c.upper() for c in self.imap.capabilities}:
            raise ImapError(_("The server %(host)s accepts only ASCII user names and passwords (it offers no "
                              "AUTHENTICATE PLAIN).") % {"host": self.mailbox.host})
        credentials = f"\0{username}\0{password}".encode()
        self.imap.authenticate("PLAIN", lambda _challenge: credentials)

    def close(self) -> None:
        if self.imap is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.imap.logout()
        self.imap = None

    def _ok(self, typ: str, data, what: str):
        if typ != "OK":
            detail = (
                b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace") if data else ""
            )
            raise ImapError(f"{what}: {typ} {detail}".strip())
        return data

    def _call(self, what: str, *args):
        try:
            return self._ok(*self.imap.uid(*args), what)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError(f"{what}: {exc}") from exc

    def select(self, folder: str) -> int:
        """Open `folder` read-write and return its UIDVALIDITY."""
        try:
            self._ok(*self.imap.select(encode_folder(folder)), f"SELECT {folder}")
            typ, data = self.imap.response("UIDVALIDITY")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError(f"SELECT {folder}: {exc}") from exc
        if not data or data[0] is None:
            typ, data = self.imap.status(encode_folder(folder), "(UIDVALIDITY)")
            match = re.search(rb"UIDVALIDITY (\d+)", data[0] or b"") if data else None
            if not match:
                raise ImapError(f"SELECT {folder}: no UIDVALIDITY")
            return int(match.group(1))
        return int(data[-1])

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid`, ascending. (`n:*` always includes the highest UID, even below n.)"""
        data = self._call("UID SEARCH", "SEARCH", None, f"UID {last_uid + 1}:*")
        uids = {int(u) for chunk in data if chunk for u in chunk.split()}
        return sorted(u for u in uids if u > last_uid)

    def sizes(self, uids: list[int]) -> dict[int, int]:
        if not uids:
            return {}
        data = self._call("UID FETCH RFC822.SIZE", "FETCH", _uid_set(uids), "(RFC822.SIZE)")
        sizes = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid, size = re.search(rb"UID (\d+)", line), re.search(rb"RFC822\.SIZE (\d+)", line)
            if uid and size:
                sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    def _literal(self, uid: int, section: str) -> bytes | None:
        data = self._call(f"UID FETCH {uid}", "FETCH", str(uid), f"(UID {section})")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and b"BODY[" in item[0]:
                match = re.search(rb"UID (\d+)", item[0])
                if match is None or int(match.group(1)) == uid:
                    return item[1]
        return None  # expunged meanwhile

    def fetch(self, uid: int) -> bytes | None:
        """The whole message, byte for byte, without setting \\Seen."""
        return self._literal(uid, "BODY.PEEK[]")

    def fetch_header(self, uid: int) -> bytes | None:
        return self._literal(uid, "BODY.PEEK[HEADER]")

    def mark_seen(self, uids: list[int]) -> None:
        if uids:
            self._call("UID STORE \\Seen", "STORE", _uid_set(uids), "+FLAGS.SILENT", "(\\Seen)")

    def move(self, uids: list[int], folder: str) -> None:
        """Move to `folder` (created when missing): MOVE where offered, else COPY + \\Deleted + EXPUNGE."""
        if not uids:
            return
        target = encode_folder(folder)
        if folder not in self._created:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                self.imap.create(target)  # "already exists" is a NO answer, and fine
            self._created.add(folder)
        uid_set = _uid_set(uids)
        if "MOVE" in self.capabilities:
            self._call("UID MOVE", "MOVE", uid_set, target)
            return
        self._call("UID COPY", "COPY", uid_set, target)
        self._call("UID STORE \\Deleted", "STORE", uid_set, "+FLAGS.SILENT", "(\\Deleted)")
        if "UIDPLUS" in self.capabilities:
            self._call("UID EXPUNGE", "EXPUNGE", uid_set)
        else:
            try:
                self._ok(*self.imap.expunge(), "EXPUNGE")
            except (imaplib.IMAP4.error, OSError) as exc:
                raise ImapError(f"EXPUNGE: {exc}") from exc
