"""A real IMAP server for tests and bench/mail.py: Debian's Dovecot on a free loopback port.

A throwaway instance beside any system one: its own base_dir, state_dir and log, a config that
includes nothing from /etc/dovecot, plain IMAP on 127.0.0.1 (`ssl = no`), users from a passwd-file
with {PLAIN} passwords, maildirs owned by `nobody` (Dovecot refuses to run mail processes as root).
Started in the foreground (`dovecot -F -c <conf>`) and stopped by its pid. Messages go in with IMAP
APPEND and come back byte for byte.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = "needs Dovecot: apt-get install dovecot-imapd (.ci/run installs it)"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)


def unavailable_reason() -> str:
    """Why Dovecot cannot run here ("" when it can)."""
    if dovecot_binary() is None:
        return INSTALL_HINT
    if os.geteuid() != 0:
        return "Dovecot's test instance needs root (it runs its mail processes as nobody)"
    return ""


def _decode_mutf7(name: str) -> str:
    """IMAP's modified UTF-7, decoded independently of the code under test (serviceloop/channels/imap.py)."""
    def piece(match):
        text = match.group(1)
        if not text:
            return "&"
        data = base64.b64decode(text.replace(",", "/") + "=" * (-len(text) % 4))
        return data.decode("utf-16-be")

    return re.sub(r"&([A-Za-z0-9+,]*)-", piece, name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    """One running Dovecot with one user; `folder()` gives each test a fresh folder of its own."""

    user = "support"
    password = "imap-test-password"

    def __init__(self, root: Path | None = None):
        # Dovecot's auth and mail processes run as nobody and must reach every file: a private temporary
        # directory (pytest's are 0700, owned by root) would lock them out.
        self._own_root = root is None
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="serviceloop-dovecot-"))
        self.root.chmod(0o755)
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        nobody = pwd.getpwnam("nobody")
        root = self.root
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "users").write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{nobody.pw_uid}:{nobody.pw_gid}::"
            f"{root / 'mail' / self.user}\n"
        )
        (root / "dovecot.conf").write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root / 'run'}
state_dir = {root / 'state'}
log_path = {root / 'dovecot.log'}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root / 'mail'}/%u
default_internal_user = nobody
default_login_user = nobody
first_valid_uid = {nobody.pw_uid}
imap_max_line_length = 2M
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root / 'users'}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root / 'users'}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
        os.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
        self.process = subprocess.Popen(
            [dovecot_binary(), "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode(errors='replace')}\n"
                                   + self.log())
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("dovecot did not start listening within 20 s\n" + self.log())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # --- a client for the tests -------------------------------------------------------------------

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=30)
        imap.login(self.user, self.password)
        return imap

    def folder(self, name: str) -> str:
        with self._session() as imap:
            imap.create(f'"{name}"')
        return name

    def _session(self):
        server = self

        class _Session:
            def __enter__(self):
                self.imap = server.client()
                return self.imap

            def __exit__(self, *exc):
                with contextlib.suppress(imaplib.IMAP4.error, OSError):
                    self.imap.logout()

        return _Session()

    def append(self, folder: str, *messages: bytes) -> list[int]:
        """APPEND each message (as a person's mail client would deliver it); returns their UIDs."""
        uids = []
        with self._session() as imap:
            for raw in messages:
                typ, data = imap.append(f'"{folder}"', None, None, raw)
                assert typ == "OK", data
                text = data[0].decode() if data and data[0] else ""
                if "APPENDUID" in text:
                    uids.append(int(text.split("APPENDUID", 1)[1].split()[1].rstrip("]")))
        return uids

    def folders(self) -> dict[str, str]:
        """Every folder on the server: {its name decoded from modified UTF-7 (RFC 3501 5.1.3): as sent}."""
        with self._session() as imap:
            typ, data = imap.list()
        names = {}
        for line in data or []:
            match = re.search(rb' "?([^"]*)"?$', line or b"")
            if match:
                wire = match.group(1).decode("ascii")
                names[_decode_mutf7(wire)] = wire
        return names

    def messages(self, folder: str) -> dict[int, dict]:
        """{uid: {"flags": set, "raw": bytes}} of a folder, as the server holds them (read-only)."""
        out = {}
        wire = self.folders().get(folder, folder)
        with self._session() as imap:
            typ, _data = imap.select(f'"{wire}"', readonly=True)
            if typ != "OK":
                return {}
            typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            for item in data or []:
                if isinstance(item, tuple):
                    head = item[0].decode()
                    uid = int(head.split("UID ", 1)[1].split()[0])
                    flags = (
                        set(head.split("FLAGS (", 1)[1].split(")", 1)[0].split())
                        if "FLAGS (" in head
                        else set()
                    )
                    out[uid] = {"flags": flags, "raw": item[1]}
        return out

    def uidvalidity(self, folder: str) -> int:
        with self._session() as imap:
            imap.select(f'"{folder}"', readonly=True)
            return int(imap.response("UIDVALIDITY")[1][-1])
