"""POSTing to robots, webhooks and the SMS provider: stdlib http.client, keep-alive per batch, timeouts.

NOTIFY_HTTP_TIMEOUT bounds the connect and every read, so an endpoint that accepts the connection and
never answers costs that long once; the endpoint is then marked down for the rest of the batch
(Session.down). Only the first bytes of an answer are kept for the delivery log.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

RESPONSE_KEEP = 500
MAX_RESPONSE = 64 * 1024


@dataclass
class HttpAnswer:
    status: int | None
    body: bytes = b""
    error: str = ""

    @property
    def text(self) -> str:
        return self.body[:RESPONSE_KEEP].decode("utf-8", "replace")


def endpoint_key(url: str) -> str:
    """One endpoint: scheme, host and path (the query holds tokens and signatures that change)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def connection_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def post(session, url: str, body: bytes, headers: dict[str, str]) -> HttpAnswer:
    """POST `body` to `url`; never raises for the network: a failure is an HttpAnswer with `error`."""
    parts = urlsplit(url)
    key, down_key = connection_key(url), endpoint_key(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    for retry in (False, True):
        conn = session.http.get(key)
        if conn is None:
            timeout = settings.NOTIFY_HTTP_TIMEOUT
            if parts.scheme == "https":
                conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                   context=ssl.create_default_context())
            else:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            session.http[key] = conn
        try:
            if conn.sock is None:
                conn.connect()
                # http.client writes the headers and the body separately: without NODELAY the body waits
                # for the server's ACK of the headers (Nagle), a millisecond or more per request.
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.request("POST", path, body=body, headers={"Content-Length": str(len(body)), **headers})
            response = conn.getresponse()
            data = response.read(MAX_RESPONSE)
            if response.will_close:
                conn.close()
                session.http.pop(key, None)
            return HttpAnswer(status=response.status, body=data)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
            conn.close()
            session.http.pop(key, None)
            if not retry:
                continue  # a kept-alive connection the server had closed: once more on a fresh one
            return HttpAnswer(status=None, error=f"{type(exc).__name__}: {exc}")
        except TimeoutError as exc:
            conn.close()
            session.http.pop(key, None)
            session.down.add(down_key)
            return HttpAnswer(
                status=None, error=f"timed out after {settings.NOTIFY_HTTP_TIMEOUT:g} s ({exc})"
            )
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            session.http.pop(key, None)
            if isinstance(exc, ConnectionRefusedError | socket.gaierror):
                session.down.add(down_key)
            return HttpAnswer(status=None, error=f"{type(exc).__name__}: {exc}")
    return HttpAnswer(status=None, error="unreachable")
