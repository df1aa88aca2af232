from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "serviceloop.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from .roles import sync_roles

        # Set-up, not business logic: keep the role groups in step with roles.py after migrate.
        post_migrate.connect(sync_roles, dispatch_uid="serviceloop.sync_roles")
