"""Items and their streams, created from manifest records in bulk."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

from django.contrib.auth.models import User
from django.utils import timezone

from common.bulk import insert_rows
from common.errors import InvalidInput
from datasets.models import Asset, Dataset, Item, Stream
from datasets.services.assets import asset_create_from_file, asset_create_from_key
from datasets.services.consent import CONSENT_KEYS, consent_fields
from datasets.services.scope import import_key_check

PROVENANCE_KINDS = ("captured", "synthetic")
MAX_TEXT_CHARS = 5_000_000
_CONSENT_KEYS = frozenset(CONSENT_KEYS)


def _provenance(record: Mapping[str, Any], where: str) -> dict[str, Any]:
    prov = record.get("provenance", {"kind": "captured"})
    if not isinstance(prov, Mapping) or prov.get("kind", "captured") not in PROVENANCE_KINDS:
        raise InvalidInput(f"{where}.provenance: 'kind' must be 'captured' or 'synthetic'.")
    prov = {"kind": "captured", **prov}
    if prov["kind"] == "synthetic" and not isinstance(prov.get("generator"), str):
        raise InvalidInput(f"{where}.provenance: synthetic items name their 'generator' (and its 'version', 'parameters').")
    return dict(prov)


def items_import(
    *,
    dataset: Dataset,
    records: Sequence[Mapping[str, Any]],
    uploads: Mapping[str, IO[bytes]],
    user: User | None,
    check: Callable[[Sequence[Mapping[str, Any]]], None] | None = None,
) -> list[int]:
    """Create items from manifest records; each stream names an asset id, a storage key, an upload or inline text.

    Records are validated first so a bad line changes nothing; rows are then written in bulk.
    ``check`` (the caller's own rule on the well-formed records) runs between the two, before any
    file is stored, so a refusal leaves nothing behind in storage either.
    """
    known_assets = _referenced_assets(dataset, records)
    planned: list[tuple[list[Any], list[tuple[str, int, Any]]]] = []
    now = timezone.now()
    # ``(dict, Mapping)``: the plain dict a JSON line parses to is recognised without the slower ABC check.
    for n, record in enumerate(records, start=1):
        where = f"line {n}"
        if not isinstance(record, (dict, Mapping)):
            raise InvalidInput(f"{where}: each line must be a JSON object.")
        streams = record.get("streams")
        if not isinstance(streams, list) or not streams:
            raise InvalidInput(f"{where}.streams: must be a non-empty list.")
        roles: set[str] = set()
        stream_plan: list[tuple[str, int, Any]] = []
        for s, stream in enumerate(streams):
            swhere = f"{where}.streams[{s}]"
            if not isinstance(stream, (dict, Mapping)):
                raise InvalidInput(f"{swhere}: must be an object.")
            role = stream.get("role")
            if not isinstance(role, str) or not role or len(role) > 64:
                raise InvalidInput(f"{swhere}.role: a name of 1-64 characters is required.")
            if role in roles:
                raise InvalidInput(f"{swhere}.role: duplicate role '{role}'.")
            roles.add(role)
            offset = stream.get("offset_ms", 0)
            if isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > 86_400_000:
                raise InvalidInput(f"{swhere}.offset_ms: must be an integer number of milliseconds.")
            stream_plan.append((role, offset, _source(stream, swhere, known_assets, uploads, dataset)))
        duration = record.get("duration_ms")
        if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int) or duration <= 0):
            raise InvalidInput(f"{where}.duration_ms: must be a positive integer.")
        metadata = record.get("metadata", {})
        if not isinstance(metadata, Mapping):
            raise InvalidInput(f"{where}.metadata: must be an object.")
        prov = _provenance(record, where)
        external_id = record.get("external_id", "")
        if not isinstance(external_id, str) or len(external_id) > 255:
            raise InvalidInput(f"{where}.external_id: must be a string of at most 255 characters.")
        consent = consent_fields(record, where) if not _CONSENT_KEYS.isdisjoint(record) else {}
        row = [dataset.pk, external_id, duration or _duration(stream_plan), prov, prov["kind"], dict(metadata),
               consent.get("consent", []), consent.get("licence", ""), consent.get("retention_until"), now, now]
        planned.append((row, stream_plan))

    if check is not None:
        check(records)
    item_ids = insert_rows(
        Item,
        ["dataset_id", "external_id", "duration_ms", "provenance", "provenance_kind", "metadata", "consent", "licence",
         "retention_until", "created_at", "updated_at"],
        [row for row, _ in planned],
    )
    created: dict[str, Asset] = {}
    stream_rows: list[list[Any]] = []
    for item_id, (_, stream_plan) in zip(item_ids, planned, strict=True):
        for role, offset, source in stream_plan:
            asset = _materialise(dataset, source, created, uploads, user)
            stream_rows.append([item_id, asset.pk, role, offset])
    insert_rows(Stream, ["item_id", "asset_id", "role", "offset_ms"], stream_rows)
    return item_ids


def _duration(stream_plan: list[tuple[str, int, Any]]) -> int | None:
    durations = [a.duration_ms + offset for _, offset, a in stream_plan if isinstance(a, Asset) and a.duration_ms]
    return max(durations) if durations else None


def _referenced_assets(dataset: Dataset, records: Sequence[Mapping[str, Any]]) -> dict[int, Asset]:
    ids: set[int] = {
        s["asset"]
        for r in records
        if isinstance(r, (dict, Mapping)) and isinstance(r.get("streams"), list)
        for s in r["streams"]
        if isinstance(s, (dict, Mapping)) and isinstance(s.get("asset"), int)
    }
    return {a.pk: a for a in Asset.objects.filter(dataset=dataset, pk__in=ids)}


def _source(stream: Mapping[str, Any], where: str, assets: Mapping[int, Asset], uploads: Mapping[str, IO[bytes]],
            dataset: Dataset) -> Any:
    given = [k for k in ("asset", "key", "upload", "text") if k in stream]
    if len(given) != 1:
        raise InvalidInput(f"{where}: give exactly one of 'asset', 'key', 'upload' or 'text'.")
    kind = given[0]
    value = stream[kind]
    if kind == "asset":
        if value not in assets:
            raise InvalidInput(f"{where}.asset: no asset {value!r} in this project.")
        return assets[value]
    if kind == "upload":
        if value not in uploads:
            raise InvalidInput(f"{where}.upload: no uploaded file named {value!r} in this request.")
        return ("upload", value)
    if kind == "text":
        if not isinstance(value, str) or len(value) > MAX_TEXT_CHARS:
            raise InvalidInput(f"{where}.text: must be a string of at most {MAX_TEXT_CHARS} characters.")
        return ("text", value)
    if not isinstance(value, str):
        raise InvalidInput(f"{where}.key: must be a storage key string.")
    return ("key", import_key_check(dataset, value, where))


def _materialise(
    dataset: Dataset,
    source: Any,
    created: dict[str, Asset],
    uploads: Mapping[str, IO[bytes]],
    user: User | None,
) -> Asset:
    if isinstance(source, Asset):
        return source
    kind, value = source
    cache_key = f"{kind}:{value}" if kind != "text" else ""
    if cache_key and cache_key in created:
        return created[cache_key]
    if kind == "upload":
        asset = asset_create_from_file(dataset=dataset, fileobj=uploads[value], name=value, user=user)
    elif kind == "key":
        asset = asset_create_from_key(dataset=dataset, key=value, user=user)
    else:
        data = value.encode("utf-8")
        asset = asset_create_from_file(dataset=dataset, fileobj=io.BytesIO(data), name="text.txt", user=user)
    if cache_key:
        created[cache_key] = asset
    return asset
