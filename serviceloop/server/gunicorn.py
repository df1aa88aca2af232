"""The production web server (gunicorn) run in-process by `serviceloop run`."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class WebServer(BaseApplication):
    """Gunicorn with options from code instead of a config file; workers load the WSGI app after fork."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from config.wsgi import application

        return application
