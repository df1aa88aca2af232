from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "serviceloop.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import jobs  # noqa: F401 - registers the job-failure recorder with Huey
