"""Import items into a project and create their tasks."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from annotation.models import Project, Task, TaskStatus
from annotation.stream_roles import guess_roles, missing_roles
from common.audit import audit
from common.bulk import foreign_keys_checked_in_bulk, insert_rows
from common.errors import InvalidInput
from common.parsers import loads_without_nul
from datasets.services.assets import readable_kind
from datasets.services.items import items_import
from datasets.services.sync import assets_with_audio, items_queue_sync

MAX_MANIFEST_LINES = 100_000
ANALYZE_AFTER = 1000


def parse_manifest(data: bytes | str) -> list[dict[str, Any]]:
    """JSONL (one item per line) or a JSON array of items."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"Manifest is not UTF-8 (byte {exc.start}).") from exc
    text = data.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            records = loads_without_nul(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Manifest is not valid JSON: {exc.msg} at line {exc.lineno}.") from exc
        except ValueError as exc:
            raise InvalidInput(f"Manifest: {exc}.") from exc
    else:
        records = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(loads_without_nul(line))
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"Manifest line {n} is not valid JSON: {exc.msg}.") from exc
            except ValueError as exc:
                raise InvalidInput(f"Manifest line {n}: {exc}.") from exc
    if not isinstance(records, list):
        raise InvalidInput("Manifest must be JSON lines or a JSON array of items.")
    if len(records) > MAX_MANIFEST_LINES:
        raise InvalidInput(f"Manifest has {len(records)} items; import at most {MAX_MANIFEST_LINES} per request.")
    return records


def _honeypots(project: Project, user: User, records: list[dict[str, Any]], task_ids: list[int]) -> None:
    """Lines with a known answer (``"gold": {"regions": [...]}``) become honeypot tasks.

    A honeypot looks like any task to an annotator; every annotator may get it (at the project's
    honeypot rate), and their work on it is scored against the known answer.
    """
    from annotation.services.gold import gold_write

    for n, (record, task_id) in enumerate(zip(records, task_ids, strict=True), start=1):
        if "gold" not in record:
            continue
        Task.objects.filter(pk=task_id).update(is_honeypot=True, for_everyone=True)
        task = Task.objects.select_related("project", "item").get(pk=task_id)
        try:
            gold_write(task=task, result=record["gold"], user=user, honeypot=True, detail={"honeypot": True})
        except InvalidInput as exc:
            raise InvalidInput(f"line {n}.gold: {exc.detail}", **exc.extra) from exc


def _queue_sync_of_ready_items(records: list[dict[str, Any]], item_ids: list[int]) -> None:
    """The sync check of items built from assets that were ready before the item existed.

    Only a stream naming an existing asset (``{"asset": id}``, e.g. a finished resumable upload) can
    be ready at import; new files are checked when their processing ends (``datasets.tasks``).
    """
    # A check needs two streams with audio. A named asset that is not ready with audio (text, an image,
    # media still processing) can never be one, so an item short of two others cannot be ready: it is
    # left out here rather than looked up stream by stream (a 100,000-line import of text items).
    audio = assets_with_audio(s["asset"] for record in records for s in record.get("streams", [])
                              if isinstance(s, (dict, Mapping)) and isinstance(s.get("asset"), int))
    reusing = []
    for record, item_id in zip(records, item_ids, strict=True):
        streams = record.get("streams", [])
        if len(streams) < 2:
            continue
        named = [s for s in streams if isinstance(s, (dict, Mapping))]
        if any("asset" in s for s in named) and sum(1 for s in named if "asset" not in s or s["asset"] in audio) >= 2:
            reusing.append(item_id)
    if reusing:
        items_queue_sync(reusing)


def everyone_shares(n: int, share: float) -> list[bool]:
    """Which of ``n`` new tasks every annotator labels: evenly spread, ``floor(n * share)`` of them.

    Spreading them (rather than drawing at random) keeps the agreement sample the same size on
    every import and across the whole timeline of a project.
    """
    return [int((i + 1) * share) > int(i * share) for i in range(n)]


def upload_records(
    schema: Mapping[str, Any], uploads: Mapping[str, IO[bytes]], roles: Sequence[str] = (), one_item: bool = False
) -> list[dict[str, Any]]:
    """Items from uploaded files alone: one per file, or one with a stream per file (``one_item``).

    Each file's role is the one given (``roles``, in upload order; blank = not given), else the one
    the schema leaves no doubt about for the file's sniffed kind, else ``media``.
    """
    names = list(uploads)
    # An unreadable file is refused here, with the error its import would give, before its role is judged.
    guessed = guess_roles(schema, [readable_kind(uploads[n], n) for n in names])
    chosen = [(roles[i] if i < len(roles) and roles[i] else None) or guessed[i] or "media" for i in range(len(names))]
    if one_item and names:
        return [{"external_id": names[0], "streams": [{"role": r, "upload": n} for n, r in zip(names, chosen)]}]
    return [{"external_id": n, "streams": [{"role": r, "upload": n}]} for n, r in zip(names, chosen)]


def check_stream_roles(schema: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> None:
    """Refuse the first item that lacks a stream role a track of the schema names (no item is made)."""
    for n, record in enumerate(records, start=1):
        roles = [str(s.get("role")) for s in record.get("streams", []) if isinstance(s, (dict, Mapping))]
        missing = missing_roles(schema, roles)
        if missing:
            role, tracks = missing[0]
            name = record.get("external_id") or f"line {n}"
            raise InvalidInput(
                f"Item '{name}' has no stream with role '{role}', which track {', '.join(repr(t) for t in tracks)} "
                f"of the schema is drawn on (its streams: {', '.join(roles) or 'none'}).",
                field=f"items[{n - 1}].streams", missing_role=role)


@transaction.atomic
def project_import(
    *,
    project: Project,
    user: User,
    records: list[dict[str, Any]],
    uploads: Mapping[str, IO[bytes]],
    check_roles: bool = False,
) -> dict[str, Any]:
    """Items from manifest records (or one item per uploaded file) and one task per item.

    With ``check_roles`` (every import a person sends: the API, the manage page), an item whose
    streams miss a role that a track of the schema names is refused and nothing is imported.
    """
    if not records and uploads:
        records = upload_records(project.schema or {}, uploads)
    if not records:
        raise InvalidInput("Nothing to import: send a JSONL manifest, files, or both.")
    schema = project.schema or {}

    def roles_fit(checked: Sequence[Mapping[str, Any]]) -> None:
        check_stream_roles(schema, checked)

    # Checked once the lines are known to be well formed (a malformed line gets its own error) and
    # before any file is stored (a refused import leaves nothing in storage).
    # The items, streams and tasks reference a handful of existing rows (the dataset, the project,
    # the assets named) and each other: their keys are checked a set at a time, not row by row.
    with foreign_keys_checked_in_bulk():
        item_ids = items_import(dataset=project.dataset, records=records, uploads=uploads, user=user,
                                check=roles_fit if check_roles else None)
        _queue_sync_of_ready_items(records, item_ids)
        now = timezone.now()
        task_ids = insert_rows(
            Task,
            ["project_id", "item_id", "status", "target_count", "submitted_count", "active_count", "is_honeypot",
             "for_everyone", "flagged", "created_at", "updated_at"],
            [[project.pk, item_id, TaskStatus.OPEN, project.overlap, 0, 0, False, for_everyone, False, now, now]
             for item_id, for_everyone in zip(item_ids, everyone_shares(len(item_ids), project.everyone_share),
                                              strict=True)],
        )
    Project.objects.filter(pk=project.pk).update(task_count=F("task_count") + len(task_ids))
    _honeypots(project, user, records, task_ids)
    if len(task_ids) >= ANALYZE_AFTER and len(task_ids) * 2 >= project.task_count + len(task_ids) \
            and connection.vendor == "postgresql":
        # An import that at least doubles the project leaves the planner's statistics stale (an
        # empty table's estimate sends the next-task query into a nested loop); refresh those of
        # the columns the queue filters on. Only those: at a million tasks the sample costs 0.4 s
        # for them, 0.65 s for every column (the rest is refreshed by autovacuum's own ANALYZE).
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{Task._meta.db_table}" (project_id, status, is_honeypot)')
    audit(user, "project.import", project, project_id=project.pk, items=len(item_ids))
    return {"items": len(item_ids), "tasks": len(task_ids), "task_ids": task_ids[:1000]}
