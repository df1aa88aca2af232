"""`serviceloop run`: migrate, first-run set-up, then serve with gunicorn (never runserver)."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from serviceloop.core.parent import child_environment
from serviceloop.server.gunicorn import WebServer
from serviceloop.server.setup import first_start
from serviceloop.sla.checks import next_year_calendar_known


class Command(BaseCommand):
    help = "Start ServiceLoop: migrate, load demo data into an empty database, create an admin, serve."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not load demo data into an empty database."
        )
        parser.add_argument("--demo-tickets", type=int, default=300)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the background-job worker (run `serviceloop worker` yourself).",
        )

    def handle(self, *args, **options):
        password = first_start(load_demo=not options["no_demo"], demo_tickets=options["demo_tickets"],
                               out=self.stdout.write)
        if password:
            self.stdout.write(
                self.style.WARNING(
                    f"Administrator created — username: admin  password: {password}  "
                    "(shown once; change it after login)"
                )
            )
        for warning in next_year_calendar_known():  # issue #11.7: where the administrator starts the service
            self.stderr.write(self.style.WARNING(f"{warning.msg}\n  {warning.hint}"))
        # The workers are forked from this process: a database connection opened here (migrate, the
        # checks above) would be shared by all of them and garble their conversations. Close it first.
        connections.close_all()
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(
            self.style.SUCCESS(f"ServiceLoop is serving on http://{bind}/ (data: {settings.DATA_DIR})")
        )
        worker = None if options["no_worker"] else self._start_worker()
        try:
            self._serve(bind, options)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self) -> subprocess.Popen:
        """The job consumer as a child process: SLA sweeps every minute, emails, retries.

        A separate process rather than threads in this one, because gunicorn forks its workers from
        here and a fork must not copy half-held locks of running threads.
        """
        # The worker ends with this process however it ends (serviceloop/core/parent.py).
        return subprocess.Popen(
            [sys.executable, "-m", "serviceloop.core.cli", "worker"], env=child_environment()
        )

    def _serve(self, bind: str, options: dict) -> None:
        WebServer(server_options(bind, options["workers"], os.environ)).run()


def server_options(bind: str, workers: int, environ) -> dict:
    """gunicorn's settings for `serviceloop run`, from the command line and the environment."""
    threads = int(environ.get("WEB_THREADS", "4"))
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        # One thread: the plain sync worker, which accepts a connection only when it is free, so the
        # kernel hands each new one to an idle worker. A gthread worker with one thread still accepts
        # every connection it can and queues them behind its single thread while the other worker
        # idles (measured: creates from 8 API clients 304–310/s with gthread, 340–362/s with sync).
        "worker_class": environ.get("WEB_WORKER_CLASS") or ("sync" if threads == 1 else "gthread"),
        # No keep-alive by default: a kept-alive connection stays with the worker that accepted it,
        # and a gthread worker accepts all it can, so a few busy clients would all land on one
        # worker while the other idles (measured: 8 API clients, one worker did 87 % of the work).
        # A proxy in front (docs/deploy.md) keeps the clients' connections alive instead.
        "keepalive": int(environ.get("WEB_KEEPALIVE", "0")),
        # A request running longer than this is cut and its worker restarted (an export of a very long
        # list may need more).
        "timeout": int(environ.get("WEB_TIMEOUT", "60")),
        "accesslog": environ.get("ACCESS_LOG") or None,
        "errorlog": "-",
        # gunicorn ≥ 25.1 opens a control socket for `gunicornc`, by default $HOME/.gunicorn/gunicorn.ctl
        # (or $XDG_RUNTIME_DIR/gunicorn.ctl): one path for every instance a user starts, so a second
        # `serviceloop run` took over the first one's socket. Off unless WEB_CONTROL_SOCKET names a
        # path of this instance's own (issue #9).
        "control_socket_disable": not environ.get("WEB_CONTROL_SOCKET"),
        "control_socket": environ.get("WEB_CONTROL_SOCKET") or None,
    }
