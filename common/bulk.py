"""Fast multi-row inserts.

On PostgreSQL one ``INSERT … SELECT FROM unnest(arrays) RETURNING id`` replaces thousands of
model instances: an import of 10,000 items spends its time in the database, not in the ORM.
Other databases (the embedded SQLite) fall back to ``bulk_create``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

_PG_TYPES = {
    "BigAutoField": "bigint", "BigIntegerField": "bigint", "IntegerField": "integer", "ForeignKey": "bigint",
    "PositiveIntegerField": "integer", "PositiveSmallIntegerField": "smallint", "CharField": "text",
    "TextField": "text", "BooleanField": "boolean", "FloatField": "double precision", "JSONField": "jsonb",
    "DateTimeField": "timestamptz", "OneToOneField": "bigint",
}


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert ``rows`` (values in ``columns`` order, attnames like ``item_id``) and return the new ids in order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = model._default_manager.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
        return [int(o.pk) for o in objs]
    fields = {f.attname: f for f in model._meta.concrete_fields}
    types = [_PG_TYPES[fields[c].get_internal_type()] for c in columns]
    arrays: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for i, value in enumerate(row):
            arrays[i].append(json.dumps(value) if types[i] == "jsonb" else value)
    # jsonb arrays travel as text[] and are cast per element.
    selects = [f"u.c{i}::jsonb" if t == "jsonb" else f"u.c{i}" for i, t in enumerate(types)]
    array_types = ["text[]" if t == "jsonb" else f"{t}[]" for t in types]
    table = model._meta.db_table
    cols = ", ".join(f'"{fields[c].column}"' for c in columns)
    unnest = ", ".join(f"%s::{t}" for t in array_types)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    sql = (
        f'INSERT INTO "{table}" ({cols}) SELECT {", ".join(selects)} FROM unnest({unnest}) '
        f"WITH ORDINALITY AS u({aliases}, n) ORDER BY u.n RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return [int(r[0]) for r in cursor.fetchall()]
