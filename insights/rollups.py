"""Keeping the rollups equal to the orders, incrementally.

Invariant: after ``refresh(now=T)`` every ``OrderFact`` equals ``fact_for(order, T)``
for its order, and every rollup row is the sum of the facts that fall in it.

How: order events are append-only and ordered by id. ``refresh`` reads the events
after the stored watermark, plus the facts whose ``next_check_at`` has come (a limit
passed), recomputes the fact of each order concerned, and adds the difference
(new fact − old fact) to each rollup. Recomputing is idempotent, so reading an event
twice changes nothing; that is what makes the small re-read window below safe.

Why the re-read window: on PostgreSQL an event's id is drawn when it is inserted, not
when its transaction commits, so an event with a lower id can become visible after
one with a higher id was already read. Each refresh re-reads the last
``REREAD_EVENTS`` ids below the watermark and recomputes those orders again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from hotline.models import Order, OrderEvent
from insights.definitions import ORDER_FIELDS, Fact, callers_of, fact_for
from insights.models import (
    COUNTERS,
    CommunityMonthCount,
    DayCount,
    MonthCount,
    OrderFact,
    RollupState,
    TotalCount,
    WeekCount,
)

logger = logging.getLogger(__name__)

REREAD_EVENTS = 1000
MAX_EVENTS_PER_RUN = 50_000
CHUNK = 500  # ids per IN (…) query: well under SQLite's parameter limit


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Grain:
    """One rollup table: how a fact's day maps to the row's period, and which of the
    fact's dimensions the row keeps."""

    model: type
    period_field: str | None
    period: Callable[[dt.date], dt.date] | None
    dims: tuple[str, ...]
    trunc: type | None = None  # the same period in SQL, for the rebuild

    @property
    def key_fields(self) -> tuple[str, ...]:
        return ((self.period_field,) if self.period_field else ()) + self.dims

    def key(self, fact: Fact) -> tuple:
        dims = tuple(getattr(fact, name) for name in self.dims)
        if self.period is None:
            return dims
        return (self.period(fact.day), *dims)


GRAINS = (
    Grain(
        DayCount,
        "day",
        lambda day: day,
        (
            "community_id",
            "grid_id",
            "compound_id",
            "category_id",
            "assignee_kind",
            "assignee_id",
        ),
    ),
    Grain(WeekCount, "week", week_start, ("community_id",), TruncWeek),
    Grain(MonthCount, "month", month_start, ("community_id", "grid_id", "category_id"), TruncMonth),
    Grain(CommunityMonthCount, "month", month_start, ("community_id", "category_id"), TruncMonth),
    Grain(TotalCount, None, None, ("community_id", "grid_id", "category_id")),
)

FACT_FIELDS = (
    "order_id",
    "day",
    "community_id",
    "grid_id",
    "compound_id",
    "category_id",
    "assignee_kind",
    "assignee_id",
    "next_check_at",
    *COUNTERS,
)


def _chunks(items: Iterable, size: int = CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _fact_from_row(values: tuple) -> Fact:
    n = len(FACT_FIELDS) - len(COUNTERS)
    (order_id, day, community_id, grid_id, compound_id, category_id, kind, assignee_id, nxt) = (
        values[:n]
    )
    return Fact(
        order_id=order_id,
        day=day,
        community_id=community_id,
        grid_id=grid_id,
        compound_id=compound_id,
        category_id=category_id,
        assignee_kind=kind,
        assignee_id=assignee_id,
        flags=tuple(values[n:]),
        next_check_at=nxt,
    )


def _fact_model(fact: Fact) -> OrderFact:
    return OrderFact(
        order_id=fact.order_id,
        day=fact.day,
        community_id=fact.community_id,
        grid_id=fact.grid_id,
        compound_id=fact.compound_id,
        category_id=fact.category_id,
        assignee_kind=fact.assignee_kind,
        assignee_id=fact.assignee_id,
        next_check_at=fact.next_check_at,
        **dict(zip(COUNTERS, fact.flags, strict=True)),
    )


def _add(totals: dict, key: tuple, flags: tuple[int, ...], sign: int = 1) -> None:
    current = totals.get(key)
    if current is None:
        totals[key] = [sign * v for v in flags]
    else:
        for i, v in enumerate(flags):
            current[i] += sign * v


# --- recomputing a set of orders ------------------------------------------------------


def recompute(order_ids: Iterable[int], as_of: dt.datetime) -> int:
    """Bring the facts of ``order_ids`` up to date as of ``as_of`` and add the
    differences to every rollup. Returns how many facts changed. Call inside a
    transaction that holds the refresh claim."""
    deltas: dict[Grain, dict[tuple, list[int]]] = {grain: {} for grain in GRAINS}
    changed = 0
    for ids in _chunks(sorted(set(order_ids))):
        callers = callers_of(ids)
        new = {
            row["id"]: fact_for({**row, "callers": callers.get(row["id"], 1)}, as_of)
            for row in Order.objects.filter(pk__in=ids).values(*ORDER_FIELDS)
        }
        old = {
            values[0]: _fact_from_row(values)
            for values in OrderFact.objects.filter(order_id__in=ids).values_list(*FACT_FIELDS)
        }
        replace: list[OrderFact] = []
        drop: list[int] = []
        for order_id in ids:
            before, after = old.get(order_id), new.get(order_id)
            if before is None and after is None:
                continue
            if after is not None and after.same_figures(before):
                if after.next_check_at != before.next_check_at:
                    OrderFact.objects.filter(order_id=order_id).update(
                        next_check_at=after.next_check_at
                    )
                continue
            changed += 1
            for grain in GRAINS:
                if before is not None:
                    _add(deltas[grain], grain.key(before), before.flags, -1)
                if after is not None:
                    _add(deltas[grain], grain.key(after), after.flags, 1)
            if before is not None:
                drop.append(order_id)
            if after is not None:
                replace.append(_fact_model(after))
        if drop:
            OrderFact.objects.filter(order_id__in=drop).delete()
        if replace:
            OrderFact.objects.bulk_create(replace)
    for grain, totals in deltas.items():
        _apply(grain, totals)
    return changed


def _apply(grain: Grain, totals: dict[tuple, list[int]]) -> None:
    for key, vector in totals.items():
        if not any(vector):
            continue
        where = dict(zip(grain.key_fields, key, strict=True))
        changes = {name: F(name) + v for name, v in zip(COUNTERS, vector, strict=True) if v}
        if grain.model.objects.filter(**where).update(**changes):
            continue
        if any(v < 0 for v in vector):
            # A row that should exist does not: the rollups drifted (an order changed
            # without an event?). Keep going; `manage.py rebuild_rollups` repairs it.
            logger.warning("insights: missing %s row %s", grain.model.__name__, where)
        grain.model.objects.create(**where, **dict(zip(COUNTERS, vector, strict=True)))


# --- the periodic refresh -----------------------------------------------------------------


def _state() -> RollupState:
    try:
        with transaction.atomic():
            state, _ = RollupState.objects.get_or_create(pk=1)
    except IntegrityError:  # two first runs at once: the other one made it
        state = RollupState.objects.get(pk=1)
    return state


def _claim() -> RollupState | None:
    """Take the single refresh slot for this transaction, or None if another run has
    it. The conditional UPDATE also holds the row lock on PostgreSQL until commit."""
    state = _state()
    if not RollupState.objects.filter(pk=1, version=state.version).update(
        version=state.version + 1
    ):
        return None
    state.version += 1
    return state


def refresh(*, now: dt.datetime | None = None) -> dict:
    """Bring the rollups up to date with the order timeline and the clock."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _claim()
        if state is None:
            return {"skipped": True}
        if state.rebuilt_at is None:
            # Never built (a new installation, or a migration that changed the
            # rollups' shape): build everything once instead of reading history.
            return {**_rebuild(now), "rebuilt": True}
        last = state.last_event_id
        reread = set(
            OrderEvent.objects.filter(id__gt=max(0, last - REREAD_EVENTS), id__lte=last)
            .values_list("order_id", flat=True)
            .distinct()
        )
        events = list(
            OrderEvent.objects.filter(id__gt=last)
            .order_by("id")
            .values_list("id", "order_id")[:MAX_EVENTS_PER_RUN]
        )
        timed = set(
            OrderFact.objects.filter(next_check_at__lte=now).values_list("order_id", flat=True)
        )
        order_ids = reread | timed | {order_id for _, order_id in events}
        changed = recompute(order_ids, now)
        new_last = events[-1][0] if events else last
        RollupState.objects.filter(pk=1).update(last_event_id=new_last, as_of=now)
    return {
        "events": len(events),
        "orders": len(order_ids),
        "changed": changed,
        "more": len(events) == MAX_EVENTS_PER_RUN,
    }


def refresh_all(*, now: dt.datetime | None = None) -> None:
    """Refresh until the whole backlog of events is read (tests, commands)."""
    while True:
        result = refresh(now=now)
        if not result.get("more"):
            return


# --- rebuilding from scratch ----------------------------------------------------------------


def compute_all(as_of: dt.datetime, *, chunk: int = 5000):
    """Every order's fact and every rollup table, recomputed from the orders alone.

    Returns (facts by order id, {model: {key: counters}}). Used by the rebuild and by
    the tests that prove the incremental rollups right.
    """
    facts: dict[int, Fact] = {}
    totals: dict[Grain, dict[tuple, list[int]]] = {grain: {} for grain in GRAINS}
    callers = callers_of()
    for row in Order.objects.order_by().values(*ORDER_FIELDS).iterator(chunk_size=chunk):
        fact = fact_for({**row, "callers": callers.get(row["id"], 1)}, as_of)
        if fact is None:
            continue
        facts[fact.order_id] = fact
        for grain in GRAINS:
            _add(totals[grain], grain.key(fact), fact.flags)
    return facts, {grain.model: totals[grain] for grain in GRAINS}


def stored_tables() -> dict[type, dict[tuple, list[int]]]:
    """The rollup tables as they are, keyed like ``compute_all`` (all-zero rows left
    out: a row whose orders all moved elsewhere stays behind with zeros)."""
    tables: dict[type, dict[tuple, list[int]]] = {}
    for grain in GRAINS:
        rows = {}
        for values in grain.model.objects.values_list(*grain.key_fields, *COUNTERS):
            n = len(grain.key_fields)
            counters = list(values[n:])
            if any(counters):
                rows[tuple(values[:n])] = counters
        tables[grain.model] = rows
    return tables


def stored_facts() -> dict[int, Fact]:
    return {
        values[0]: _fact_from_row(values)
        for values in OrderFact.objects.values_list(*FACT_FIELDS).iterator()
    }


def rebuild(*, now: dt.datetime | None = None, batch: int = 5000) -> dict:
    """Throw the rollups away and compute them again from every order."""
    now = now or timezone.now()
    with transaction.atomic():
        # An unconditional bump waits for a running refresh (row lock on PostgreSQL,
        # the write lock on SQLite) and makes any refresh that started before fail its
        # claim, so the two never interleave.
        _state()
        RollupState.objects.filter(pk=1).update(version=F("version") + 1)
        return _rebuild(now, batch=batch)


def _rebuild(now: dt.datetime, *, batch: int = 5000) -> dict:
    """The rebuild itself, inside a transaction that holds the refresh slot.

    Facts are computed in Python (the definitions live there) and written in plain
    multi-row inserts, COPY on PostgreSQL; each rollup is then summed from the facts
    by the database (INSERT … SELECT … GROUP BY), so a million orders never have to
    sit in memory at once.
    """
    last_event = OrderEvent.objects.aggregate(last=Max("id"))["last"] or 0
    OrderFact.objects.all().delete()
    for grain in GRAINS:
        grain.model.objects.all().delete()
    columns = [OrderFact._meta.get_field(name).column for name in FACT_FIELDS]
    count = 0
    pending: list[tuple] = []
    callers = callers_of()
    rows = Order.objects.order_by().values(*ORDER_FIELDS).iterator(chunk_size=batch)
    for row in rows:
        fact = fact_for({**row, "callers": callers.get(row["id"], 1)}, now)
        if fact is None:
            continue
        pending.append(_fact_values(fact))
        if len(pending) >= batch:
            _raw_insert(OrderFact, columns, pending)
            count += len(pending)
            pending = []
    if pending:
        _raw_insert(OrderFact, columns, pending)
        count += len(pending)
    written = 0
    for grain in GRAINS:
        written += _sum_into(grain)
    RollupState.objects.filter(pk=1).update(
        last_event_id=last_event, as_of=now, rebuilt_at=timezone.now()
    )
    return {"orders": count, "rows": written}


def _fact_values(fact: Fact) -> tuple:
    return (
        fact.order_id,
        fact.day,
        fact.community_id,
        fact.grid_id,
        fact.compound_id,
        fact.category_id,
        fact.assignee_kind,
        fact.assignee_id,
        fact.next_check_at,
        *fact.flags,
    )


def _raw_insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert plain rows without building model instances (COPY on PostgreSQL)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt_date = connection.ops.adapt_datefield_value
        adapt_moment = connection.ops.adapt_datetimefield_value
        prepared = [
            tuple(
                adapt_moment(v)
                if isinstance(v, dt.datetime)
                else adapt_date(v)
                if isinstance(v, dt.date)
                else v
                for v in row
            )
            for row in rows
        ]
        marks = ", ".join(["%s"] * len(columns))
        # Table and column names come from the model's metadata; values are parameters.
        statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(statement, prepared)


def _sum_into(grain: Grain) -> int:
    """Fill one rollup table from the facts with INSERT … SELECT … GROUP BY."""
    facts = OrderFact.objects.order_by()
    if grain.trunc is not None:
        facts = facts.annotate(**{grain.period_field: grain.trunc("day")})
    select = facts.values(*grain.key_fields).annotate(
        **{f"sum_{name}": Sum(name) for name in COUNTERS}
    )
    sql, params = select.query.sql_with_params()
    model = grain.model
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [model._meta.get_field(name).column for name in (*grain.key_fields, *COUNTERS)]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)
        return cursor.rowcount


def as_of() -> dt.datetime | None:
    return RollupState.objects.filter(pk=1).values_list("as_of", flat=True).first()


def differences() -> list[str]:
    """Where the stored facts and rollups differ from a recomputation as of the last
    refresh; empty when they are exact."""
    moment = as_of()
    if moment is None:
        return ["The rollups were never computed."]
    facts, tables = compute_all(moment)
    found: list[str] = []
    stored = stored_facts()
    for order_id in sorted(set(facts) | set(stored)):
        want, have = facts.get(order_id), stored.get(order_id)
        if want != have:
            found.append(f"order {order_id}: stored {have}, recomputed {want}")
    for model, rows in stored_tables().items():
        want_rows = {k: v for k, v in tables[model].items() if any(v)}
        for key in sorted(set(rows) | set(want_rows), key=repr):
            if rows.get(key) != want_rows.get(key):
                found.append(
                    f"{model.__name__} {key}: stored {rows.get(key)}, recomputed {want_rows.get(key)}"
                )
    return found
