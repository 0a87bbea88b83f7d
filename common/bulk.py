"""Fast multi-row inserts.

On PostgreSQL the ids are drawn from the table's sequence in one query and the rows are
streamed with ``COPY``: an import of 100,000 items spends its time in the database, not in the
ORM or in building SQL parameters. The COPY text is built a column at a time (one formatter per
value type, JSON through orjson) and sent in large chunks, rather than handing psycopg one row at
a time. Other databases (the embedded SQLite) fall back to ``bulk_create``.

Inside ``foreign_keys_checked_in_bulk`` the foreign keys of the copied rows are checked once per
insert, a set at a time, instead of once per row and key at COMMIT (see there).
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from django.db import IntegrityError, connection, models

_CHUNK_ROWS = 20_000
_NULL = "\\N"


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk request (a context manager or a decorator).

    Parsing and checking 100,000 manifest lines allocates millions of dicts and lists that all live
    until the request ends; every allocation threshold crossed makes the collector walk them again,
    which was half the CPU of such an import. Reference counting still frees them as usual.
    The collector is one per process and a web worker serves requests on several threads, so
    pauses are counted: the first one in switches it off, the last one out restores what the
    first one found.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


class _BulkKeys(threading.local):
    """Per thread (a Django connection is per thread): the ids each table got from ``insert_rows``
    inside the open ``foreign_keys_checked_in_bulk`` block, or None outside one."""

    fresh: dict[str, set[int]] | None = None


_bulk_keys = _BulkKeys()


@contextmanager
def foreign_keys_checked_in_bulk() -> Iterator[None]:
    """Check the foreign keys of the rows ``insert_rows`` copies in this block a set at a time.

    PostgreSQL checks a foreign key with one trigger call per inserted row and key, at COMMIT as
    Django declares them deferred: a 100,000-item import (items, streams, tasks: five keys) spent
    1.7 s there. Here each ``insert_rows`` instead checks each key's distinct values with one
    query that also locks them ``FOR KEY SHARE`` (what the trigger does, so a parent cannot be
    deleted before COMMIT), then copies with ``session_replication_role = replica`` so the
    per-row triggers are not queued. Parents inserted by ``insert_rows`` earlier in the same block
    (the items of the streams and tasks) are known to exist and are invisible to any other
    transaction until COMMIT: they are not looked up again (so the block must not roll back to a
    savepoint between two inserts). Every other statement keeps the triggers (the role is set
    around each COPY alone).

    Takes effect on PostgreSQL, inside a transaction, for a role allowed to set
    ``session_replication_role`` (a superuser, or from PostgreSQL 15 one granted ``SET`` on it);
    otherwise the rows are checked by PostgreSQL's triggers as usual. The replica role also skips
    user triggers and rules on the copied tables: the project defines none.
    """
    if connection.vendor != "postgresql" or not connection.in_atomic_block or _bulk_keys.fresh is not None \
            or not _may_skip_triggers():
        yield
        return
    _bulk_keys.fresh = {}
    try:
        yield
    finally:
        _bulk_keys.fresh = None


def _may_skip_triggers() -> bool:
    grant = " OR has_parameter_privilege('session_replication_role', 'SET')" if getattr(connection, "pg_version", 0) >= 150000 else ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role') = 'origin' "
                       f"AND (current_setting('is_superuser') = 'on'{grant})")
        return bool(cursor.fetchone()[0])


def _check_keys(cursor: Any, fields: Sequence[models.Field[Any, Any]], rows: Sequence[Sequence[Any]],
                fresh: dict[str, set[int]]) -> None:
    """Each foreign key's distinct values exist (locked ``FOR KEY SHARE`` until COMMIT), else IntegrityError."""
    for i, field in enumerate(fields):
        if not isinstance(field, models.ForeignKey) or not getattr(field, "db_constraint", True):
            continue
        parent = field.related_model._meta.db_table  # type: ignore[union-attr]
        values = {row[i] for row in rows}
        values.discard(None)
        values -= fresh.get(parent, set())
        if not values:
            continue
        target = field.target_field.column
        cursor.execute(f'SELECT count(*) FROM (SELECT 1 FROM "{parent}" WHERE "{target}" = ANY(%s) '
                       "FOR KEY SHARE) AS locked", [sorted(values)])
        if cursor.fetchone()[0] != len(values):
            raise IntegrityError(f'insert into "{field.model._meta.db_table}" violates its foreign key "{field.column}": '
                                 f'not every value is a row of "{parent}"')


def _escaped(text: str) -> str:
    """A string as a field of COPY's text format (backslash, tab, newline and return escaped)."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _json(value: Any) -> str:
    try:
        dumped = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        import json

        dumped = json.dumps(value)
    return _escaped(dumped)


def _json_column(values: list[Any]) -> list[str]:
    # orjson escapes control characters inside strings and adds no whitespace: only a backslash needs COPY's escape.
    try:
        out = [orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS).decode() for v in values]
    except TypeError:
        return [_json(v) for v in values]
    if "\\" in "".join(out):
        return [v.replace("\\", "\\\\") for v in out]
    return out


_FORMATTERS: dict[type, Callable[[Any], str]] = {
    int: str,
    str: _escaped,
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: _NULL,
    dt.datetime: lambda v: v.isoformat(),
    dt.date: lambda v: v.isoformat(),
}


def _formatted(value: Any) -> str:
    """One value as COPY text; a type not known here (say, a Decimal) raises ``TypeError``."""
    fmt = _FORMATTERS.get(type(value))
    if fmt is not None:
        return fmt(value)
    if isinstance(value, str):  # str-based choices such as ``TaskStatus.OPEN``: their value
        return _escaped(str.__str__(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    raise TypeError(type(value).__name__)


def _column(values: list[Any], is_json: bool) -> list[str]:
    if is_json:
        return _json_column(values)
    kinds = set(map(type, values))
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {str}:
        joined = "".join(values)
        if "\\" not in joined and "\t" not in joined and "\n" not in joined and "\r" not in joined:
            return values
    if len(set(map(id, values))) == 1:  # the same object on every row (dataset id, a timestamp)
        return [_formatted(values[0])] * len(values)
    return [_formatted(v) for v in values]


def _copy_text(ids: list[int], rows: Sequence[Sequence[Any]], jsonb: list[bool]) -> str | None:
    """The rows as COPY text, or None when a value has a type this module does not format."""
    try:
        columns = [_column([row[i] for row in rows], j) for i, j in enumerate(jsonb)]
    except TypeError:
        return None
    lines = ["\t".join(fields) for fields in zip(map(str, ids), *columns, strict=True)]
    lines.append("")
    return "\n".join(lines)


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert ``rows`` (values in ``columns`` order, attnames like ``item_id``) and return the new ids in order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = model._default_manager.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
        return [int(o.pk) for o in objs]
    from psycopg.types.json import Jsonb

    fields = {f.attname: f for f in model._meta.concrete_fields}
    jsonb = [fields[c].get_internal_type() == "JSONField" for c in columns]
    if any(len(row) != len(columns) for row in rows):
        raise ValueError(f"every row needs {len(columns)} values")
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Ids first, so COPY can stream the rows and we still know every id. The sequence is named
        # in a query of its own: inside the id query its lookup would run once per row (5x slower).
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)])
        ids = [int(r[0]) for r in cursor.fetchall()]
        cols = ", ".join(['"id"', *(f'"{fields[c].column}"' for c in columns)])
        fresh = _bulk_keys.fresh
        if fresh is not None:
            _check_keys(cursor, [fields[c] for c in columns], rows, fresh)
            cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for start in range(0, len(rows), _CHUNK_ROWS):
                chunk = rows[start:start + _CHUNK_ROWS]
                text = _copy_text(ids[start:start + _CHUNK_ROWS], chunk, jsonb)
                if text is not None:
                    copy.write(text)
                    continue
                for pk, row in zip(ids[start:start + _CHUNK_ROWS], chunk, strict=True):
                    copy.write_row([pk, *(Jsonb(v) if j else v for v, j in zip(row, jsonb, strict=True))])
        if fresh is not None:
            # Only after a COPY that went through: a failed one aborts the transaction (or rolls back
            # to a savepoint), which undoes the SET LOCAL with it.
            cursor.execute("SET LOCAL session_replication_role = origin")
            fresh.setdefault(table, set()).update(ids)
    return ids
