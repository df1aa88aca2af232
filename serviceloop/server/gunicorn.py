"""The production web server (gunicorn) run in-process by `serviceloop run`."""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.app.base import BaseApplication

# gunicorn answers some requests itself, before Django sees them (a request line longer than
# limit_request_line: 414; headers too large: 431; an unreadable request: 400). Its answer is an
# HTML page; the API promises JSON `{"code", "message"}` for every error (docs/api.md), so those
# answers are written as JSON too. The request was never parsed, so its language is unknown: the
# message is in both languages.
_SERVER_ERRORS = {
    400: ("bad_request", "请求无法解析。The request could not be read."),
    403: ("forbidden", "请求被拒绝。The request was refused."),
    414: ("uri_too_long", "地址太长。The address is too long."),
    417: ("bad_request", "无法满足 Expect 请求头。The Expect header cannot be met."),
    431: ("headers_too_large", "请求头太大。The request headers are too large."),
    500: ("server_error", "服务器出错，已记录。Something went wrong on the server; it has been logged."),
    501: ("bad_request", "不支持的传输编码。This transfer coding is not supported."),
}


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, with the API's JSON body instead of an HTML page."""
    code, message = _SERVER_ERRORS.get(status_int, ("error", "请求被拒绝。The request was refused."))
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin1") + body)


class WebServer(BaseApplication):
    """Gunicorn with options from code instead of a config file; workers load the WSGI app after fork."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)
        # Set in the arbiter, before it forks: every worker writes its own errors as JSON.
        util.write_error = write_json_error

    def load(self):
        from config.wsgi import application

        return application
