"""Insert one new row with a statement built once per model.

``Model.save()`` compiles its INSERT afresh on every call (the field list, the
placeholders, the RETURNING clause, the checks around them): about a third of a
millisecond, where running the statement itself takes a tenth of that. An order's
creation writes four rows and every step of its life two, so the hotline's hot paths
insert with ``insert(obj)`` instead: the same values Django would write (each field's
``pre_save`` and ``get_db_prep_save``, so ``auto_now_add`` and JSON work as usual),
through a statement cached per model and database.

What it does not do: send ``pre_save``/``post_save`` signals (so use it only for
models nothing listens to — ``linli/tests/test_rows.py`` checks the ones that use
it), run ``Model.save()`` overrides, update an existing row, or handle inherited
models and database defaults (it refuses those).
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import NOT_PROVIDED, Model, signals

_STATEMENTS: dict[tuple[str, type[Model]], tuple[str, list, bool]] = {}


def _statement(model: type[Model], alias: str) -> tuple[str, list, bool]:
    key = (alias, model)
    found = _STATEMENTS.get(key)
    if found is None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = model._meta
        if meta.parents:
            raise TypeError(f"rows.insert does not handle inherited models ({model.__name__})")
        pk = meta.pk
        # Generated columns are the database's to fill, as in Django's own INSERT.
        fields = [
            f
            for f in meta.local_concrete_fields
            if f is not pk and not getattr(f, "generated", False)
        ]
        for f in fields:
            if f.db_default is not NOT_PROVIDED:
                # save() leaves such a column to the database; a plain INSERT would
                # send the DatabaseDefault marker itself.
                raise TypeError(
                    f"rows.insert does not handle db_default ({model.__name__}.{f.name})"
                )
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        returning = connection.features.can_return_columns_from_insert
        if returning:
            sql += f" RETURNING {quote(pk.column)}"
        found = _STATEMENTS[key] = (sql, fields, returning)
    return found


def insert(obj: Model) -> Model:
    """Write the unsaved ``obj`` as a new row; it gets its primary key, as after save()."""
    model = type(obj)
    if obj.pk is not None:
        raise ValueError(f"{model.__name__} already has a primary key; insert() only adds rows")
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, fields, returning = _statement(model, alias)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            obj.pk = cursor.fetchone()[0]
        else:  # pragma: no cover - SQLite before 3.35
            obj.pk = connection.ops.last_insert_id(
                cursor, model._meta.db_table, model._meta.pk.column
            )
    obj._state.adding = False
    obj._state.db = alias
    return obj


def listened_to(model: type[Model]) -> bool:
    """Whether anything listens to ``model``'s save signals (then insert() is wrong)."""
    return signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)
