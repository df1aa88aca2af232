"""People: users (staff and customer contacts), support teams, API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as AuthUserManager
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from serviceloop.core.models import TimeStampedModel

from .roles import INTERNAL_ROLES, STAFF_ROLES, Role


class UserQuerySet(models.QuerySet):
    def service_staff(self):
        """The people work can be handed to (owner, co-handler, escalation target): the rows for which
        `User.is_service_staff` is true — active, not a customer contact, not a system account."""
        groups = User.groups.through.objects.filter(user_id=OuterRef("pk"))
        person = Exists(groups.filter(group__name__in=[str(r) for r in STAFF_ROLES]))
        system = Exists(groups.filter(group__name=str(Role.INTEGRATION)))
        return self.filter(Q(is_superuser=True) | Q(organization__isnull=True) & person, ~system,
                           is_active=True)


class UserManager(AuthUserManager.from_queryset(UserQuerySet)):
    """Django's user manager (create_user …) with the queries of UserQuerySet."""


class User(AbstractUser):
    """Anyone who logs in: internal staff (by role group) or a customer contact.

    A customer user is tied to one organisation and sees only its tickets (SEC-2).
    """

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    organization = models.ForeignKey(
        "customers.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Set for customer contacts only."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        """The user's role groups; the same query also fills the permission cache (see RoleBackend).

        Every API request needs both (is this a customer? may they do this?), so one UNION query
        answers both instead of three separate ones.
        """
        return self._take_access(_access_rows(self.pk))

    def prime_access(self, packed: str | None) -> None:
        """Fill role_codes and the permission cache from the rows access_sql packed into one string.

        Token authentication (accounts/selectors.py) reads the token, the user and these rows in one
        statement, so an API request needs no query of its own for them.
        """
        rows = [item.split(":", 2) for item in (packed or "").split(_ACCESS_SEPARATOR) if item]
        self.__dict__["role_codes"] = self._take_access(rows)

    def _take_access(self, rows) -> frozenset[str]:
        roles, perms = set(), set()
        for kind, app, code in rows:
            if kind == "role":
                roles.add(code)
            else:
                perms.add(f"{app}.{code}")
        if not hasattr(self, "_perm_cache") and not self.is_superuser and self.is_active:
            self._perm_cache = perms
        return frozenset(roles)

    @property
    def is_customer(self) -> bool:
        """A customer is anyone tied to an organisation, or holding only the customer role."""
        if self.is_superuser:
            return False
        if self.organization_id is not None:
            return True
        return not (self.role_codes & {str(r) for r in INTERNAL_ROLES})

    @property
    def is_service_staff(self) -> bool:
        """The one rule for who work can be handed to (User.objects.service_staff() is its query): an
        active login that is not a customer contact and not a system account (inbound email's)."""
        return self.is_active and not self.is_customer and str(Role.INTEGRATION) not in self.role_codes

    @property
    def is_internal(self) -> bool:
        return not self.is_customer

    def has_role(self, role: Role) -> bool:
        return self.is_superuser or str(role) in self.role_codes


_ACCESS_SEPARATOR = "\x1f"  # the ASCII unit separator: in no group name or permission code


def _access_union(user_ref: str) -> str:
    """The user's role groups and permissions (via groups and direct) as one UNION statement.

    Written as SQL because it runs on every API request and the ORM spent more time composing the
    three-branch UNION than the database spent answering it. `user_ref` is the SQL for the user's
    id: a bound parameter, or a column of an outer query. Table names come from the models.
    """
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    q = connection.ops.quote_name
    group, perm, ctype = q(Group._meta.db_table), q(Permission._meta.db_table), q(ContentType._meta.db_table)
    user_groups = q(User.groups.through._meta.db_table)
    user_perms = q(User.user_permissions.through._meta.db_table)
    group_perms = q(Group.permissions.through._meta.db_table)
    return (
        f"SELECT 'role' AS kind, '' AS app, g.name AS code FROM {group} g "  # noqa: S608
        f"JOIN {user_groups} ug ON ug.group_id = g.id WHERE ug.user_id = {user_ref} "
        f"UNION ALL SELECT 'perm', ct.app_label, p.codename FROM {perm} p "
        f"JOIN {ctype} ct ON ct.id = p.content_type_id JOIN {group_perms} gp ON gp.permission_id = p.id "
        f"JOIN {user_groups} ug ON ug.group_id = gp.group_id WHERE ug.user_id = {user_ref} "
        f"UNION ALL SELECT 'perm', ct.app_label, p.codename FROM {perm} p "
        f"JOIN {ctype} ct ON ct.id = p.content_type_id JOIN {user_perms} up ON up.permission_id = p.id "
        f"WHERE up.user_id = {user_ref}"
    )


def _access_rows(user_id: int) -> list[tuple[str, str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_access_union("%s"), [user_id, user_id, user_id])
        return cursor.fetchall()


def access_sql(user_id_column: str) -> str:
    """A scalar subquery packing the user's roles and permissions into one string, for a query that
    already reads the user (`user_id_column` names its id): one statement instead of two."""
    from django.db import connection

    item = "a.kind || ':' || a.app || ':' || a.code"
    packed = (f"string_agg({item}, chr(31))" if connection.vendor == "postgresql"
              else f"group_concat({item}, char(31))")
    return f"(SELECT {packed} FROM ({_access_union(user_id_column)}) a)"  # noqa: S608 - names from the models


class Team(TimeStampedModel):
    """A support group (硬件组, 软件组 …): members handle its tickets, the supervisor takes escalations."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    supervisor = models.ForeignKey(
        User, verbose_name=_("supervisor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(User, verbose_name=_("members"), blank=True, related_name="teams")

    class Meta:
        verbose_name = _("support group")
        verbose_name_plural = _("support groups")
        ordering = ["name"]

    def __str__(self):
        return self.name


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class APIToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 is stored; the raw value is shown once."""

    PREFIX = "sl_"

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.hint}… ({self.user})"

    @classmethod
    def new_raw_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class LoginThrottle(models.Model):
    """Failed logins per username (SEC-5): after too many in a row the login is refused for a while.

    Keyed by the lowercased username the visitor typed, whether or not such a user exists, so the
    answer never tells an attacker which usernames are real.
    """

    username = models.CharField(_("username"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_ip = models.GenericIPAddressField(_("last address"), null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")

    def __str__(self):
        return f"{self.username}: {self.failures}"
