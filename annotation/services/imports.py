"""Import items into a project and create their tasks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from annotation.models import Project, Task
from common.audit import audit
from common.errors import InvalidInput
from datasets.services.items import items_import

MAX_MANIFEST_LINES = 100_000


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
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Manifest is not valid JSON: {exc.msg} at line {exc.lineno}.") from exc
    else:
        records = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"Manifest line {n} is not valid JSON: {exc.msg}.") from exc
    if not isinstance(records, list):
        raise InvalidInput("Manifest must be JSON lines or a JSON array of items.")
    if len(records) > MAX_MANIFEST_LINES:
        raise InvalidInput(f"Manifest has {len(records)} items; import at most {MAX_MANIFEST_LINES} per request.")
    return records


@transaction.atomic
def project_import(
    *,
    project: Project,
    user: AbstractBaseUser,
    records: list[dict[str, Any]],
    uploads: Mapping[str, IO[bytes]],
) -> dict[str, Any]:
    """Items from manifest records (or one item per uploaded file) and one task per item."""
    if not records and uploads:
        records = [{"external_id": name, "streams": [{"role": "media", "upload": name}]} for name in uploads]
    if not records:
        raise InvalidInput("Nothing to import: send a JSONL manifest, files, or both.")
    items = items_import(dataset=project.dataset, records=records, uploads=uploads, user=user)
    tasks = Task.objects.bulk_create(
        [Task(project=project, item=item, target_count=project.overlap) for item in items], batch_size=2000
    )
    Project.objects.filter(pk=project.pk).update(task_count=F("task_count") + len(tasks))
    audit(user, "project.import", project, project_id=project.pk, items=len(items))
    return {"items": len(items), "tasks": len(tasks), "task_ids": [t.pk for t in tasks[:1000]]}
