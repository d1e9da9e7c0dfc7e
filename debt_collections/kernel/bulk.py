"""Bulk inserts for the daily cycle's hot paths.

Django's ``bulk_create`` prepares every field of every row through the expression API and sends one
statement with thousands of parameters; for the few thousand outbox rows, links and cases the cycle
writes per run, that preparation costs more CPU than PostgreSQL spends storing them. ``bulk_insert``
writes the same rows with one ``COPY`` on PostgreSQL (ids drawn from the table's own sequence first, so
every object gets its pk as with ``bulk_create``) and falls back to ``bulk_create`` elsewhere.

It is for plain rows only: no multi-table inheritance, no ``db_default``, no signals (``bulk_create``
sends none either). Field values go to psycopg as they are, except JSON (dumped with the field's encoder)
and whatever ``pre_save`` sets (``auto_now_add``, unless the object carries a time already).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import cache
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def _is_auto_time(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _value(field: models.Field[Any, Any], obj: models.Model) -> Any:
    """What ``save`` would store, except that an ``auto_now``/``auto_now_add`` time the caller set is kept:
    a bulk step writes with its own clock (the daily cycle's one ``now``), as its updates do."""
    if _is_auto_time(field):
        preset = getattr(obj, field.attname)
        if preset is not None:
            return preset
    return field.pre_save(obj, True)


def _reader(field: models.Field[Any, Any]) -> Callable[[models.Model], Any]:
    """How to read one field's COPY value from an object, decided once per field, not once per row: the
    cycle writes ~50,000 rows of ~15 fields a run, and asking each field about itself per value cost
    about a second (``getattr`` of the flags, ``pre_save``, ``isinstance``)."""
    # These return the attribute itself unless an auto flag is set (handled below).
    plain_pre_save = type(field).pre_save in (
        models.Field.pre_save,
        models.DateField.pre_save,
        models.DateTimeField.pre_save,
        models.TimeField.pre_save,
    )
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        attname = field.attname

        def json_value(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            return None if value is None else json.dumps(value, cls=encoder)

        return json_value
    if _is_auto_time(field) or not plain_pre_save:
        return lambda obj: _value(field, obj)
    return attrgetter(field.attname)


def _bulk_create_keeping_times(model: type[M], objs: list[M]) -> list[M]:
    """``bulk_create``, then the preset ``auto_now`` times written back (its ``pre_save`` replaces them):
    one UPDATE per field and time, the bulk steps set one."""
    auto = [
        f
        for f in model._meta.local_concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    preset = {f.attname: [getattr(obj, f.attname) for obj in objs] for f in auto}
    created = model._default_manager.bulk_create(objs, batch_size=1000)
    for name, values in preset.items():
        by_value: dict[Any, list[Any]] = {}
        for obj, value in zip(created, values, strict=True):
            if value is not None:
                setattr(obj, name, value)
                by_value.setdefault(value, []).append(obj.pk)
        for value, pks in by_value.items():
            model._default_manager.filter(pk__in=pks).update(**{name: value})
    return created


@cache
def _row_plan(model: type[models.Model]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Per model: its concrete fields in order, and every name ``new_row`` accepts (field name and
    attname) mapped to its field."""
    fields = tuple(model._meta.concrete_fields)
    names: dict[str, Any] = {}
    for f in fields:
        names[f.name] = f
        names[f.attname] = f
    return fields, names


def new_row(model: type[M], /, **values: Any) -> M:
    """``model(**values)`` for a new row, through Django's positional path.

    The keyword path asks every field about every keyword and sets each relation through its descriptor;
    the daily cycle builds ~45,000 new outbox rows, links and cases a run at 1,000,000 accounts, and that
    was the largest single item of its Python time. Here each field takes its value (a related object
    by its name, or an id by its attname) or its default, in one positional call, and each related
    object given is cached on the instance as the descriptor would (so ``row.case`` reads no row). An
    unknown name raises ``TypeError`` as the model's constructor does.
    """
    fields, names = _row_plan(model)
    unknown = [name for name in values if name not in names]
    if unknown:
        raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {', '.join(unknown)}")
    args = []
    related = []
    for f in fields:
        if f.is_relation and f.name in values:
            obj = values[f.name]
            args.append(None if obj is None else getattr(obj, f.target_field.attname))
            related.append((f, obj))
        elif f.attname in values:
            args.append(values[f.attname])
        else:
            args.append(f.get_default())
    row = model(*args)
    for f, obj in related:
        f.set_cached_value(row, obj)
    return row


def bulk_insert(model: type[M], objs: Sequence[M]) -> list[M]:
    """Insert ``objs`` (all new) and return them with their primary keys set."""
    objs = list(objs)
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return _bulk_create_keeping_times(model, objs)
    meta = model._meta
    if meta.parents:
        raise TypeError(f"bulk_insert does not handle multi-table inheritance ({meta.label})")
    pk = meta.pk
    if pk is None:  # only abstract models lack one
        raise TypeError(f"{meta.label} has no primary key")
    quote = connection.ops.quote_name
    fields = [f for f in meta.local_concrete_fields if not f.generated]  # the database computes those
    with connection.cursor() as cursor:
        missing = [obj for obj in objs if obj.pk is None]
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(missing)],
            )
            for obj, (value,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = value
        columns = ", ".join(quote(f.column) for f in fields)
        # The raw psycopg cursor: its errors are mapped to Django's (IntegrityError, ...) here by hand.
        readers = [_reader(f) for f in fields]
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
        ):
            for obj in objs:
                copy.write_row([read(obj) for read in readers])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def bulk_set(
    model: type[M],
    objs: Sequence[M],
    fields: Sequence[str],
    *,
    where: Sequence[tuple[str, Any]] = (),
) -> list[Any]:
    """Write ``fields`` of each of ``objs`` (each row its own values) in one statement; return the primary
    keys of the rows it changed.

    ``WITH v(pk, ...) AS (VALUES (...), ...) UPDATE table SET col = v.col ... FROM v WHERE table.pk = v.pk``
    on PostgreSQL and SQLite alike: Django's ``bulk_update`` builds a ``CASE`` per column through the
    expression API, at many times the CPU cost of the write; one ``UPDATE`` per row costs a round trip
    each. ``where`` adds ``(field name, value)`` equalities every row must still meet (a claim still held),
    so rows that no longer do are left alone and not counted. Values are prepared by each field, as
    ``save`` would (JSON, datetimes), and cast to the column's type on PostgreSQL.
    """
    objs = list(objs)
    if not objs:
        return []
    meta = model._meta
    pk = meta.pk
    if pk is None:  # only abstract models lack one
        raise TypeError(f"{meta.label} has no primary key")
    quote = connection.ops.quote_name

    def concrete(name: str) -> models.Field[Any, Any]:
        field = meta.get_field(name)
        if not isinstance(field, models.Field) or not field.concrete:
            raise TypeError(f"bulk_set writes concrete fields only, not {meta.label}.{name}")
        return field

    columns = [concrete(name) for name in fields]
    on_postgresql = connection.vendor == "postgresql"

    def cast(field: models.Field[Any, Any]) -> str:
        return f"::{field.db_type(connection)}" if on_postgresql else ""

    names = ["pk", *(f"c{i}" for i in range(len(columns)))]
    placeholders = "(" + ", ".join("%s" for _ in names) + ")"
    params: list[Any] = []
    for obj in objs:
        params.append(obj.pk)
        params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns)
    table = quote(meta.db_table)
    sets = ", ".join(f"{quote(str(f.column))} = v.c{i}{cast(f)}" for i, f in enumerate(columns))
    conditions = [f"{table}.{quote(str(pk.column))} = v.pk"]
    for name, value in where:
        field = concrete(name)
        conditions.append(f"{table}.{quote(str(field.column))} = %s")
        params.append(field.get_db_prep_value(value, connection))
    sql = (
        f"WITH v({', '.join(names)}) AS (VALUES {', '.join(placeholders for _ in objs)}) "  # noqa: S608
        f"UPDATE {table} SET {sets} FROM v WHERE {' AND '.join(conditions)} "
        f"RETURNING {table}.{quote(str(pk.column))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
