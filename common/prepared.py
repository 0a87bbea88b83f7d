"""A queryset compiled once and run again with other values: for the few reads on every request.

Building and compiling a query with ``select_related`` over four tables costs Django several
milliseconds of CPU, several times what PostgreSQL takes to run it, and the reads that open every
save, submit and page of the editor are the same query each time with another id. A
``PreparedQuery`` builds its queryset once per database alias, with stand-in values for the
parameters, keeps the SQL Django compiled, and on each call runs that SQL with the real values,
turning rows into model instances the way Django's own ``ModelIterable`` does (the same
converters, the same related-object populators), so callers get what ``queryset.first()`` would
have returned. It covers plain lookups: every parameter must reach the SQL unchanged, as an
integer or a string in a filter or in raw SQL, which compiling checks; a variant of the query may leave some
parameters out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)

# Stand-ins for the parameters while compiling, found again in the params: integers no id takes,
# strings no key holds.
_STAND_IN_BASE = -(2**62)


def _stand_in(i: int, kind: type) -> int | str:
    return _STAND_IN_BASE + i if kind is int else f"\x1fstand-in-{i}\x1f"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[str | None, ...]  # for each SQL parameter, the name of the value it takes, if any
    model: type[Model]
    init_list: list[str]
    fields: tuple[int, int]
    related_populators: list[Any]
    annotation_col_map: dict[str, int]
    converters: list[tuple[int, tuple[list[Any], Any]]]


class PreparedQuery(Generic[M]):
    """``build(**values)`` returns the queryset for ``values``; ``first(**values)`` runs it.

    ``names`` maps each value's name to its type, ``int`` or ``str``.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], **names: type) -> None:
        if any(kind not in (int, str) for kind in names.values()):
            raise TypeError("prepared values are integers or strings")
        self._build = build
        self._names = names
        self._compiled: dict[tuple[str, Any], _Compiled] = {}
        self._lock = threading.Lock()

    def first(self, variant: Any = None, **values: int | str) -> M | None:
        """The first row as ``build(**values).first()`` would return it (without its ORDER BY, the
        query must select one row). ``variant`` names a different shape of the query that
        ``build`` returns for it (passed on as ``variant=``), compiled on its own."""
        alias = "default"
        key = (alias, variant)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(alias, variant)
                self._compiled[key] = compiled
        params = [p if slot is None else values[slot] for slot, p in zip(compiled.slots, compiled.params, strict=True)]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = _converted(row, compiled.converters, connection)
        start, end = compiled.fields
        obj = compiled.model.from_db(alias, compiled.init_list, row[start:end])
        for populator in compiled.related_populators:
            populator.populate(row, obj)
        for attr, pos in compiled.annotation_col_map.items():
            setattr(obj, attr, row[pos])
        return obj  # type: ignore[return-value]

    def _compile(self, alias: str, variant: Any) -> _Compiled:
        stand_ins = {name: _stand_in(i, kind) for i, (name, kind) in enumerate(self._names.items())}
        kwargs: dict[str, Any] = dict(stand_ins)
        if variant is not None:
            kwargs["variant"] = variant
        queryset = self._build(**kwargs)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_value = {v: k for k, v in stand_ins.items()}
        slots = tuple(by_value.get(p) if isinstance(p, (int, str)) and not isinstance(p, bool) else None for p in params)
        for slot, p in zip(slots, params, strict=True):
            # A value a lookup transformed (into a pattern, a list...) would be compiled in for good.
            if slot is None and any(str(v) in str(p) for v in stand_ins.values()):
                raise ValueError(f"a parameter reaches the SQL transformed ({p!r}); only plain values are prepared")
        klass_info = compiler.klass_info
        select = compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            fields=(start, end),
            related_populators=get_related_populators(klass_info, select, alias),  # type: ignore[call-arg]
            annotation_col_map=dict(compiler.annotation_col_map),
            converters=list(converters.items()),
        )


def _converted(row: Any, converters: list[tuple[int, tuple[list[Any], Any]]], connection: Any) -> Any:
    """``row`` with each value passed through its column's converters (what the ORM does)."""
    if not converters:
        return row
    values = list(row)
    for pos, (convs, expression) in converters:
        value = values[pos]
        for converter in convs:
            value = converter(value, expression, connection)
        values[pos] = value
    return values


# Per model and connection: the attribute names of the row's columns, and the columns that need
# converting with their converters (found once: this runs on every next-task request).
_ROW_LAYOUTS: dict[tuple[type[Model], str, str], tuple[list[str], list[tuple[int, tuple[list[Any], Any]]]]] = {}


def instance_from_row(model: type[M], connection: Any, row: tuple[Any, ...]) -> M:
    """A ``model`` instance from a row of every concrete column in ``_meta.concrete_fields`` order,
    read by plain SQL, its values converted as the ORM converts them (SQLite returns text for dates
    and integers for booleans)."""
    key = (model, connection.alias, connection.vendor)
    layout = _ROW_LAYOUTS.get(key)
    if layout is None:
        converters = []
        for i, field in enumerate(model._meta.concrete_fields):
            col = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((i, (found, col)))
        layout = _ROW_LAYOUTS[key] = ([field.attname for field in model._meta.concrete_fields], converters)
    attnames, converters = layout
    return model.from_db(connection.alias, attnames, _converted(row, converters, connection))
