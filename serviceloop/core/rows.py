"""Single rows read and written on the hot path (every API request, every ticket created), with the
SQL composed once per model instead of on every call.

Django composes an INSERT or a primary-key SELECT afresh each time: for a ticket created through
the API (the organisation read, then the ticket, its `created` event and its SLA row written) that
was a third of the web worker's CPU time (docs/benchmarks.md). These statements never change, so
their text is kept per database vendor and model. Values still pass through each field's own
conversions both ways, so a row written or read here is exactly what the ORM would write or read.

Only for plain models: no multi-table inheritance, no field with its own SQL placeholder, no
expressions as values, and no signal receivers (none in ServiceLoop: STYLE.md keeps logic out of
signals) — `insert` refuses what it cannot do the ORM's way.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, Model

_insert_plans: dict[tuple[str, type[Model], bool], tuple[str, list[Field], list[tuple[Field, list]]]] = {}
_select_plans: dict[tuple[str, type[Model]], tuple[str, list[str], list[list], tuple | None]] = {}


def column_converters(field: Field, table: str) -> list:
    """What turns a raw value of `field` into the ORM's (SQLite gives booleans as 0/1 and datetimes as
    text; PostgreSQL mostly needs nothing), as (function, column) pairs for `from_db`."""
    col = field.get_col(table)
    return [(c, col) for c in [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]]


def from_db(converters: list, value):
    """A raw database value through its column's converters (from `column_converters`)."""
    for convert, col in converters:
        value = convert(value, col, connection)
    return value


def model_from_row(model: type[Model], attnames: list[str], converters: list[list], row) -> Model:
    """A model instance from a raw row of its concrete columns, as a queryset would build it."""
    values = [from_db(c, v) if c else v for c, v in zip(converters, row, strict=True)]
    return model.from_db(connection.alias, attnames, values)


def _select_plan(model: type[Model]) -> tuple[str, list[str], list[list], tuple | None]:
    key = (connection.vendor, model)
    if key not in _select_plans:
        meta, q = model._meta, connection.ops.quote_name
        fields = list(meta.concrete_fields)
        columns = ", ".join(q(f.column) for f in fields)
        kind = meta.pk.get_internal_type()
        _select_plans[key] = (
            f"SELECT {columns} FROM {q(meta.db_table)} WHERE {q(meta.pk.column)} = %s",  # noqa: S608 - names from the model
            [f.attname for f in fields],
            [column_converters(f, meta.db_table) for f in fields],
            connection.ops.integer_field_ranges.get(kind),
        )
    return _select_plans[key]


def get_by_pk(model: type[Model], pk) -> Model | None:
    """The row of `model` with this primary key, or None — what `model.objects.filter(pk=pk).first()`
    returns, without composing the query. Visibility is the caller's to check."""
    if not settings.COMPOSED_ROWS:
        return model._default_manager.filter(pk=pk).first()
    sql, attnames, converters, bounds = _select_plan(model)
    pk = model._meta.pk.get_db_prep_value(pk, connection)
    # A key no integer column can hold matches nothing (as in the ORM); SQLite would raise instead.
    if bounds is not None and not (bounds[0] <= pk <= bounds[1]):
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return None if row is None else model_from_row(model, attnames, converters, row)


def _insert_plan(model: type[Model], with_pk: bool) -> tuple[str, list[Field], list[tuple[Field, list]]]:
    key = (connection.vendor, model, with_pk)
    if key not in _insert_plans:
        meta, ops = model._meta, connection.ops
        if meta.parents:
            raise TypeError(f"{model.__name__} inherits from a concrete model; save it through the ORM")
        fields = [f for f in meta.local_concrete_fields
                  if (with_pk or f is not meta.auto_field) and not getattr(f, "generated", False)]
        if any(hasattr(f, "get_placeholder") for f in fields):
            raise TypeError(
                f"{model.__name__} has a field with its own SQL placeholder; save it through the ORM"
            )
        returning = [] if with_pk else list(meta.db_returning_fields)
        columns = ", ".join(ops.quote_name(f.column) for f in fields)
        sql = (f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if returning and connection.features.can_return_columns_from_insert:
            sql += " " + ops.return_insert_columns(returning)[0]
        _insert_plans[key] = (sql, fields, [(f, column_converters(f, meta.db_table)) for f in returning])
    return _insert_plans[key]


def insert(obj: Model) -> Model:
    """INSERT `obj` as `obj.save(force_insert=True)` would (defaults and auto_now filled in, the new
    primary key set on it), with the statement composed once per model. Call it inside the
    service's transaction."""
    if not settings.COMPOSED_ROWS:
        obj.save(force_insert=True)
        return obj
    model = type(obj)
    # As save() does: an unsaved related object is refused, and one saved since it was assigned
    # has its new key copied into the foreign-key column.
    obj._prepare_related_fields_for_save(operation_name="insert")
    sql, fields, returning = _insert_plan(model, with_pk=obj.pk is not None)
    # The connection itself, not django.db.connection, for the per-field conversions below: every
    # attribute read through that proxy is a look-up, and each conversion reads a few.
    conn = connections[DEFAULT_DB_ALIAS]
    params = []
    for field in fields:
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{model.__name__}.{field.name} is an expression; save it through the ORM")
        params.append(field.get_db_prep_save(value, connection=conn))
    with transaction.mark_for_rollback_on_error(conn.alias), conn.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            if conn.features.can_return_columns_from_insert:
                values = cursor.fetchone()
            else:
                values = [conn.ops.last_insert_id(cursor, model._meta.db_table, returning[0][0].column)]
            for (field, converters), value in zip(returning, values, strict=True):
                setattr(obj, field.attname, from_db(converters, value))
    obj._state.adding = False
    obj._state.db = conn.alias
    return obj
