from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServerConfig(AppConfig):
    """The product as one running whole: the API root, first-start setup, `serviceloop run`."""

    name = "serviceloop.server"
    label = "server"
    verbose_name = _("Server")
