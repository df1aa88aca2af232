"""Real servers on loopback that receive what the outbox sends, for the tests and bench/outbox.py.

- `SmtpRecorder`: an aiosmtpd SMTP server; keeps every message's envelope and raw bytes.
- `HttpRecorder`: a threaded HTTP server standing in for WeCom, DingTalk, Feishu, Aliyun SMS and webhook
  receivers; keeps every request (method, path, query, headers, raw body) and answers as the vendor does,
  or fails on purpose (a status code, or hanging for a while) for the paths a test names.
Both bind 127.0.0.1 on a free port and stop when the test is done. Nothing here knows how the product
signs its requests: tests/vendor_signatures.py checks them, written from the vendors' documentation.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- SMTP ----------------------------------------------------------------------------------------

@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self):
        from email import message_from_bytes, policy

        return message_from_bytes(self.raw, policy=policy.default)


class SmtpRecorder:
    """aiosmtpd on 127.0.0.1:<free port>; `refuse` makes RCPT TO of an address answer 550 (or 450)."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[ReceivedMail] = []
        self.refuse: dict[str, str] = {}
        self._lock = threading.Lock()
        recorder = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
                if address in recorder.refuse:
                    return recorder.refuse[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                with recorder._lock:
                    recorder.messages.append(
                        ReceivedMail(
                            envelope.mail_from,
                            list(envelope.rcpt_tos),
                            bytes(envelope.original_content or envelope.content),
                        )
                    )
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpRecorder:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address in m.rcpt_tos]


# --- HTTP ----------------------------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


# What each stand-in answers when all is well, as the vendors document it.
VENDOR_OK = {
    "/wecom": (200, {"errcode": 0, "errmsg": "ok"}),
    "/dingtalk": (200, {"errcode": 0, "errmsg": "ok"}),
    "/feishu": (200, {"code": 0, "msg": "success", "data": {}}),
    "/aliyun": (
        200,
        {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"},
    ),
    "/hook": (200, {"received": True}),
}


@dataclass
class Behaviour:
    status: int = 200
    body: dict | None = None
    hang_seconds: float = 0.0
    times: int | None = None  # None: always; n: for the next n requests, then as the vendor does


@dataclass
class HttpRecorder:
    requests: list[Request] = field(default_factory=list)
    behaviours: dict[str, Behaviour] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                # Headers and body go out in two writes; without NODELAY, Nagle's algorithm and the client's
                # delayed ACK hold every answer back for 40 ms.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                request = Request(
                    "POST",
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    parts.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    time.time(),
                )
                with recorder._lock:
                    recorder.requests.append(request)
                    behaviour = recorder._behaviour_for(parts.path)
                if behaviour.hang_seconds:
                    time.sleep(behaviour.hang_seconds)  # bounded: the test's client gives up before this ends
                status, answer = behaviour.status, behaviour.body
                if answer is None:
                    answer = next((v[1] for k, v in VENDOR_OK.items() if parts.path.startswith(k)), {})
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (the hanging case)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _behaviour_for(self, path: str) -> Behaviour:
        for prefix, behaviour in self.behaviours.items():
            if path.startswith(prefix) and (behaviour.times is None or behaviour.times > 0):
                if behaviour.times is not None:
                    behaviour.times -= 1
                return behaviour
        return Behaviour()

    def on(self, prefix: str, **behaviour) -> None:
        """Answer requests to `prefix` differently: status=500, hang_seconds=3, times=2, body={…}."""
        self.behaviours[prefix] = Behaviour(**behaviour)

    def to(self, prefix: str) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(prefix)]

    def start(self) -> HttpRecorder:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
