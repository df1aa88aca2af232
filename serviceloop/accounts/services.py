"""Writes to accounts: users with a role, and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput, ServiceError
from serviceloop.core.ratelimit import rate_blocked_until, rate_hit

from .models import APIToken, LoginThrottle, User, hash_token
from .roles import Role


@transaction.atomic
def user_create(*, username: str, password: str, role: str, organization=None, email: str = "",
                display_name: str = "", check_password: bool = True) -> User:
    """Create a login with one role. Customers need an organisation; staff must not have one."""
    if role not in Role.values:
        raise InvalidInput.field(
            "role", _("Unknown role. Allowed: %(allowed)s") % {"allowed": ", ".join(Role.values)}
        )
    if role == Role.CUSTOMER and organization is None:
        raise InvalidInput.field("organization", _("A customer login needs an organisation."))
    if role != Role.CUSTOMER and organization is not None:
        raise InvalidInput.field("organization", _("Only customer logins belong to an organisation."))
    if User.objects.filter(username=username).exists():
        raise InvalidInput.field("username", _("This username is taken."))
    user = User(username=username, email=email, display_name=display_name, organization=organization,
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput.field("password", " ".join(exc.messages)) from exc
    user.set_password(password)
    user.save()
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


@transaction.atomic
def token_create(*, user: User, name: str = "") -> tuple[APIToken, str]:
    """Create an API token; returns the row and the raw key, which is never stored nor shown again."""
    raw = APIToken.new_raw_key()
    token = APIToken.objects.create(user=user, name=name, key_hash=hash_token(raw), hint=raw[:10],
                                    created_at=timezone.now())
    return token, raw


@transaction.atomic
def token_revoke(*, token: APIToken) -> APIToken:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def login_locked_until(*, username: str):
    """When a locked username may try again, or None when it may try now."""
    row = LoginThrottle.objects.filter(username=username.strip().lower()).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


def _per_address(ip: str | None) -> dict:
    return {"scope": "login-ip", "key": ip or "unknown", "limit": settings.LOGIN_MAX_FAILURES_PER_IP,
            "window": timedelta(minutes=settings.LOGIN_IP_WINDOW_MINUTES)}


def login_address_blocked_until(*, ip: str | None):
    """When an address with LOGIN_MAX_FAILURES_PER_IP failed logins in this window may try again, or
    None. Checked before the password and before the username's own count, so one address can
    neither spray passwords over every user nor lock them all out (issue #9)."""
    return rate_blocked_until(**_per_address(ip))


@transaction.atomic
def login_failed(*, username: str, ip: str | None) -> LoginThrottle:
    """Count a failed login, for the address (per window) and for the username: the
    LOGIN_MAX_FAILURES-th failure in a row locks the username (SEC-5)."""
    rate_hit(**_per_address(ip))
    now = timezone.now()
    row, _created = LoginThrottle.objects.select_for_update().get_or_create(
        username=username.strip().lower()[:150]
    )
    if row.locked_until and row.locked_until <= now:
        row.locked_until = None  # the lock has run out; only a new streak locks again
    if row.last_failure_at and now - row.last_failure_at > timedelta(minutes=settings.LOGIN_LOCK_MINUTES):
        row.failures = 0  # an old streak of mistakes is forgiven
    row.failures += 1
    row.last_failure_at = now
    row.last_ip = ip
    if row.failures >= settings.LOGIN_MAX_FAILURES:
        row.locked_until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        row.failures = 0
    row.save()
    return row


def login_succeeded(*, username: str) -> None:
    LoginThrottle.objects.filter(username=username.strip().lower()).delete()


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Remember the user's interface language (zh-hans or en)."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput.field("language", _("Unknown language."))
    user.language = language
    user.save(update_fields=["language"])
    return user


def token_used(match) -> None:
    """Note when a token was last used, at most once a minute: a busy client must not turn every
    read into a write."""
    now = timezone.now()
    if match.last_used_at is None or (now - match.last_used_at).total_seconds() > 60:
        APIToken.objects.filter(pk=match.token_id).update(last_used_at=now)


def system_account(*, username: str, role: str, display_name) -> User:
    """The account a piece of the product acts as (mail intake, the service loop), created at first use with
    no usable password; safe when two workers create it at the same moment. `display_name` (lazy) is
    stored in the site's language. Refuses a same-named login that is not that system account."""
    user = User.objects.filter(username=username).first()
    if user is None:
        try:
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                user = user_create(username=username, password=secrets.token_urlsafe(32), role=role,
                                   display_name=str(display_name), check_password=False)
                user.set_unusable_password()
                user.save(update_fields=["password"])
        except (IntegrityError, ServiceError):  # created by another worker at the same moment
            user = User.objects.get(username=username)
    if not user.has_role(role):
        raise RuntimeError(f"the user {username!r} exists but is not a system account (role {role})")
    return user
