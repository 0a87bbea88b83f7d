"""Writing an annotation's revision: a delta against the one before it, or a full copy.

A full copy is written for the first revision, when the caller does not know the previous result,
when the delta would be no smaller than the result, and when the deltas since the last full copy
add up to the result's own size (or MAX_CHAIN of them). So the stored history of n saves is at
most the first copy plus twice the deltas' bytes, and rebuilding any revision reads one full copy
and at most about as many delta bytes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from annotation.models import Annotation, AnnotationRevision
from annotation.revisions import result_delta

MAX_CHAIN = 1000


# The revision just below the new one, if any. Plain SQL: it runs on every save and submit, and
# building the ORM query cost several times more than running it.
_PREVIOUS = (f'SELECT base_version, chain_bytes FROM "{AnnotationRevision._meta.db_table}" '
             "WHERE annotation_id = %s AND version = %s")


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact JSON (what the limits and the revision policy count)."""
    try:
        return len(orjson.dumps(value))
    except TypeError:  # an integer past 64 bits
        import json

        return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def revision_write(annotation: Annotation, user: User | None, before: Mapping[str, Any] | None = None) -> AnnotationRevision:
    """Record ``annotation`` at its (new) version; ``before`` is its result at the version just below, if known."""
    version = annotation.version
    previous = None
    if before is not None and version > 1:
        with connection.cursor() as cursor:
            cursor.execute(_PREVIOUS, [annotation.pk, version - 1])
            row = cursor.fetchone()
        if row is not None:
            previous = {"version": version - 1, "base_version": row[0], "chain_bytes": row[1]}
    if previous is not None:
        delta = result_delta(before or {}, annotation.result)
        size = json_size(delta)
        chain = previous["chain_bytes"] + size
        base = previous["base_version"] or previous["version"]
        if chain < json_size(annotation.result) and version - base <= MAX_CHAIN:
            return _insert(annotation, version, user, result=None, delta=delta, base_version=base, chain_bytes=chain)
    return _insert(annotation, version, user, result=annotation.result, delta=None, base_version=None, chain_bytes=0)


def _insert(annotation: Annotation, version: int, user: User | None, **values: Any) -> AnnotationRevision:
    """Insert the revision row; the saved instance, as ``objects.create`` returns it.

    Plain SQL with the fields' own preparation of the values: it runs on every save, and the ORM's
    insert cost more to build than to run.
    """
    revision = AnnotationRevision(annotation=annotation, version=version, status=annotation.status, author=user,
                                  created_at=timezone.now(), **values)
    meta, quote = AnnotationRevision._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    params = [f.get_db_prep_save(getattr(revision, f.attname), connection) for f in fields]
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(str(meta.pk.column))}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        revision.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    revision._state.adding = False
    revision._state.db = connection.alias
    return revision
