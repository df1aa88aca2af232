"""The dashboard's stored counts (ANA-1, ANA-2): every ticket's dimensions, and their daily roll-up.

Each ticket contributes, on the local day it was created (settings.TIME_ZONE):

* one count to each created-side dimension: type, category (the leaf it is filed under), product_model
  (of its customer product), root_cause (set at resolution), organization, engineer (its current owner),
  channel, finished ("1" resolved or closed now, "0" still open);
* while it is open (status not resolved / closed), one count to open_status, open_priority and open_group:
  summed over every day, those are the current backlog, read without touching the ticket table;
* with a first response, one count and its minutes (creation → first staff response) to first_response.

Keys are text: the choice's value, or the row's id ("" for none). Invariant: DimensionDay is exactly the
sum of those contributions over TicketDims (analytics/tests/test_dashboard.py checks it after a mix of
changes). The receiver (`dims_changed`) keeps it inside the transaction of each change: it reads the stored
dims with the row locked, computes them again from the in-memory ticket, and adds the difference with one
upsert of increments (rollup._upsert), so two tickets changing at once never read-modify-write a count.
`dims_backfill` fills both tables in bulk for tickets written past the services (the demo loader, imports).
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import Case, CharField, Count, F, IntegerField, Sum, Value, When
from django.db.models.functions import Cast

from serviceloop.assets.models import CustomerProduct
from serviceloop.core.bulk import collector_paused
from serviceloop.tickets.choices import FINISHED_STATUSES, OPEN_STATUSES
from serviceloop.tickets.models import Ticket

from .models import DimensionDay, TicketDims
from .rollup import _insert_select, _upsert, local_day

# The created-side dimensions a distribution may be asked for (ANA-2), with the TicketDims column of each.
DISTRIBUTIONS = {
    "type": "ticket_type",
    "category": "category_id",
    "product_model": "product_model_id",
    "root_cause": "root_cause_id",
    "organization": "organization_id",
    "engineer": "owner_id",
    "channel": "channel",
}
BACKLOG = {"open_status": "status", "open_priority": "priority", "open_group": "group_id"}
DIMS_FIELDS = (
    "created_day",
    "ticket_type",
    "channel",
    "status",
    "priority",
    "category_id",
    "product_id",
    "product_model_id",
    "root_cause_id",
    "organization_id",
    "owner_id",
    "group_id",
    "first_response_minutes",
)
_TICKET_FIELDS = (
    "id",
    "created_at",
    "ticket_type",
    "channel",
    "status",
    "priority",
    "category_id",
    "product_id",
    "root_cause_id",
    "organization_id",
    "owner_id",
    "group_id",
    "first_response_at",
)


def _key(value) -> str:
    return "" if value in (None, 0) else str(value)


def contributions(dims: dict | None) -> Counter:
    """One ticket's contribution to DimensionDay, from its dims (TicketDims' fields; None: none), as
    {(day, dimension, key, "count" | "total"): n}."""
    out: Counter = Counter()
    if dims is None:
        return out
    day = dims["created_day"]
    for dimension, column in DISTRIBUTIONS.items():
        out[(day, dimension, _key(dims[column]), "count")] += 1
    out[(day, "finished", "1" if dims["status"] in FINISHED_STATUSES else "0", "count")] += 1
    if dims["status"] in OPEN_STATUSES:
        for dimension, column in BACKLOG.items():
            out[(day, dimension, _key(dims[column]), "count")] += 1
    if dims["first_response_minutes"] is not None:
        out[(day, "first_response", "", "count")] += 1
        out[(day, "first_response", "", "total")] += dims["first_response_minutes"]
    return out


def _move(old: dict | None, new: dict | None) -> None:
    delta = contributions(new)
    delta.subtract(contributions(old))
    rows: dict[tuple, list[int]] = {}
    for (day, dimension, key, column), n in delta.items():
        if n:
            rows.setdefault((dimension, day, key), [0, 0])[0 if column == "count" else 1] += n
    if rows:
        # Sorted by key, so two transactions touching the same rows lock them in the same order.
        _upsert(
            DimensionDay,
            ("dimension", "day", "key"),
            ("count", "total"),
            sorted((*k, *v) for k, v in rows.items()),
        )


def _minutes(start, end) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


def _dims(t: dict, product_model_id: int | None) -> dict:
    """t: the ticket's _TICKET_FIELDS (a None id is 0, as stored)."""
    return {
        "created_day": local_day(t["created_at"]),
        "ticket_type": t["ticket_type"],
        "channel": t["channel"],
        "status": t["status"],
        "priority": t["priority"],
        "category_id": t["category_id"] or 0,
        "product_id": t["product_id"] or 0,
        "product_model_id": product_model_id or 0,
        "root_cause_id": t["root_cause_id"] or 0,
        "organization_id": t["organization_id"] or 0,
        "owner_id": t["owner_id"] or 0,
        "group_id": t["group_id"] or 0,
        "first_response_minutes": _minutes(t["created_at"], t["first_response_at"]),
    }


@transaction.atomic(savepoint=False)
def dims_changed(*, ticket: Ticket) -> None:
    """Count the in-memory ticket's change: the stored dims read with the row locked (SELECT … FOR UPDATE
    on PostgreSQL), computed again, and only the difference written (nothing when nothing counted moved).
    The product model is looked up only when the ticket's product is not the one already counted."""
    old = TicketDims.objects.select_for_update().filter(ticket_id=ticket.pk).values(*DIMS_FIELDS).first()
    t = {f: getattr(ticket, f) for f in _TICKET_FIELDS}
    if old is not None and (t["product_id"] or 0) == old["product_id"]:
        model_id = old["product_model_id"]
    else:
        products = CustomerProduct.objects.filter(pk=t["product_id"])
        model_id = products.values_list("product_model_id", flat=True).first() if t["product_id"] else None
    new = _dims(t, model_id)
    if new == old:
        return
    if old is None:
        TicketDims.objects.create(ticket_id=ticket.pk, **new)
    else:
        TicketDims.objects.filter(ticket_id=ticket.pk).update(**new)
    _move(old, new)


def dims_backfill(*, batch: int = 5000) -> int:
    """TicketDims for every ticket (an upsert, `batch` tickets per read), then DimensionDay rebuilt from them
    (`dimension_rebuild`). Safe to run again; the demo loader calls it after writing its tickets."""
    done, last = 0, 0
    while True:
        with collector_paused():  # one bounded batch of short-lived dicts (core/bulk.py)
            rows = list(
                Ticket.objects.filter(pk__gt=last)
                .order_by("pk")
                .values(*_TICKET_FIELDS, model=F("product__product_model_id"))[:batch]
            )
            if not rows:
                break
            TicketDims.objects.bulk_create(
                [TicketDims(ticket_id=t["id"], **_dims(t, t["model"])) for t in rows],
                update_conflicts=True,
                unique_fields=["ticket"],
                update_fields=list(DIMS_FIELDS),
            )
        done += len(rows)
        last = rows[-1]["id"]
    dimension_rebuild()
    return done


@transaction.atomic
def dimension_rebuild() -> int:
    """DimensionDay recomputed from TicketDims with one INSERT … SELECT … GROUP BY per dimension; returns
    the number of rows. On PostgreSQL the table is locked against the upkeep first (as rollup_rebuild)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(DimensionDay._meta.db_table)} "
                "IN SHARE ROW EXCLUSIVE MODE"
            )
    DimensionDay.objects.all().delete()
    dims = TicketDims.objects.order_by()
    columns = ("dimension", "day", "key", "count", "total")
    text = CharField(max_length=32)

    def key_of(column: str):
        if column.endswith("_id"):  # 0 is "none", stored as ""
            return Case(When(**{column: 0}, then=Value("")), default=Cast(column, text), output_field=text)
        return F(column)

    shapes = [(name, dims, column) for name, column in DISTRIBUTIONS.items()]
    shapes += [(name, dims.filter(status__in=OPEN_STATUSES), column) for name, column in BACKLOG.items()]
    for name, qs, column in shapes:
        _insert_select(
            DimensionDay,
            columns,
            qs.values(n=Value(name), d=F("created_day"), k=key_of(column)).annotate(
                c=Count("pk"), s=Value(0, output_field=IntegerField())
            ),
        )
    finished = Case(
        When(status__in=FINISHED_STATUSES, then=Value("1")), default=Value("0"), output_field=text
    )
    _insert_select(
        DimensionDay,
        columns,
        dims.values(n=Value("finished"), d=F("created_day"), k=finished).annotate(
            c=Count("pk"), s=Value(0, output_field=IntegerField())
        ),
    )
    _insert_select(
        DimensionDay,
        columns,
        dims.filter(first_response_minutes__isnull=False)
        .values(n=Value("first_response"), d=F("created_day"), k=Value("", output_field=text))
        .annotate(c=Count("pk"), s=Sum("first_response_minutes")),
    )
    return DimensionDay.objects.count()
