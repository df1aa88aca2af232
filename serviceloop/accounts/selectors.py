"""Reads of accounts that run on every request, written for speed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from serviceloop.core import rows

from .models import APIToken, User, access_sql, hash_token


@dataclass
class TokenMatch:
    token_id: int
    last_used_at: datetime | None
    user: User


_user_fields = list(User._meta.concrete_fields)
_token_sql: dict[str, str] = {}


def _sql() -> str:
    """The token, its active user and the user's roles and permissions: one statement, built once.

    Through the ORM (select_related plus the access annotation) composing this query took a fifth
    of an API request's CPU time; it never changes, so its text is kept per database vendor.
    """
    if connection.vendor not in _token_sql:
        q = connection.ops.quote_name
        token, user = q(APIToken._meta.db_table), q(User._meta.db_table)
        columns = ", ".join(f"u.{q(f.column)}" for f in _user_fields)
        _token_sql[connection.vendor] = (
            f"SELECT t.{q('id')}, t.{q('last_used_at')}, {columns}, {access_sql('u.' + q('id'))} "  # noqa: S608
            f"FROM {token} t JOIN {user} u ON u.{q('id')} = t.{q('user_id')} "
            f"WHERE t.{q('key_hash')} = %s AND t.{q('revoked_at')} IS NULL AND u.{q('is_active')}"
        )
    return _token_sql[connection.vendor]


def token_match(raw: str) -> TokenMatch | None:
    """The live token with this raw value and its active user, roles and permissions filled in."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [hash_token(raw)])
        row = cursor.fetchone()
    if row is None:
        return None
    user_conv, token_conv = _converters()
    user = rows.model_from_row(User, _user_attnames, user_conv, row[2:-1])
    user.prime_access(row[-1])
    return TokenMatch(token_id=row[0], last_used_at=rows.from_db(token_conv, row[1]), user=user)


_user_attnames = [f.attname for f in _user_fields]
_converter_cache: dict[str, tuple[list, list]] = {}


def _converters() -> tuple[list, list]:
    """Per column, what turns a raw value into the ORM's: worked out once per database vendor."""
    if connection.vendor not in _converter_cache:
        _converter_cache[connection.vendor] = (
            [rows.column_converters(f, User._meta.db_table) for f in _user_fields],
            rows.column_converters(APIToken._meta.get_field("last_used_at"), APIToken._meta.db_table))
    return _converter_cache[connection.vendor]
