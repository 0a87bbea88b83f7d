"""Fast multi-row inserts.

On PostgreSQL the ids are drawn from the table's sequence in one query and the rows are
streamed with ``COPY``: an import of 10,000 items spends its time in the database, not in the
ORM or in building SQL parameters. Other databases (the embedded SQLite) fall back to
``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


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
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Ids first (one round trip), so COPY can stream the rows and we still know every id.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        ids = [int(r[0]) for r in cursor.fetchall()]
        cols = ", ".join(['"id"', *(f'"{fields[c].column}"' for c in columns)])
        with cursor.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *(Jsonb(v) if j else v for v, j in zip(row, jsonb, strict=True))])
    return ids
