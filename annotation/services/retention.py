"""Retention: the media of items past their ``retention_until`` date is deleted; their labels stay, marked.

Run daily by Celery beat (``annotation.tasks.retention``) and by ``manage.py retention_sweep``.
For each expired item, in chunks: the files of the assets only expired items use (the stored
file, under an import source too, and the derived files no other asset shares) are deleted once
the chunk's rows commit; the asset keeps its row and probe facts (duration, for the audit) but
loses its content hashes; the item and its annotations get ``media_deleted_at``; one audit event
per item names what went. Running it twice deletes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotation.models import Annotation
from common.models import AuditEvent
from datasets.models import Asset, DerivedMedia, Item, Stream
from datasets.services.purge import storage_purge

log = logging.getLogger(__name__)
CHUNK = 500


def expired_items(today: dt.date) -> list[int]:
    """Items whose retention ended before ``today`` and whose media is still there."""
    return list(Item.objects.filter(retention_until__lt=today, media_deleted_at__isnull=True)
                .order_by("pk").values_list("pk", flat=True))


def _delete_files(keys: Sequence[str], doomed: Sequence[int], prefixes: Sequence[str]) -> None:
    """After commit: the stored files no remaining asset names, then the derived prefixes no one shares."""
    for key in keys:
        if Asset.objects.filter(storage_key=key, streams__item__media_deleted_at__isnull=True) \
                .exclude(pk__in=doomed).exists():
            continue  # the same file is another asset's, of an item whose media is kept
        try:
            if default_storage.exists(key):
                default_storage.delete(key)
        except OSError:
            log.exception("retention: could not delete %s", key)
    storage_purge(prefixes)


@transaction.atomic
def _sweep_chunk(item_ids: list[int], now: dt.datetime) -> int:
    items = list(Item.objects.select_for_update(of=("self",)).filter(pk__in=item_ids, media_deleted_at__isnull=True)
                 .select_related("dataset__project"))
    ids = [i.pk for i in items]
    if not ids:
        return 0
    asset_ids = set(Stream.objects.filter(item_id__in=ids).values_list("asset_id", flat=True))
    # An asset another, unexpired item also streams keeps its file until that item expires too.
    shared = set(Stream.objects.filter(asset_id__in=asset_ids).exclude(item_id__in=ids)
                 .filter(Q(item__media_deleted_at__isnull=True)).values_list("asset_id", flat=True))
    doomed = sorted(asset_ids - shared)
    gone = set(doomed)
    keys = list(Asset.objects.filter(pk__in=doomed).values_list("storage_key", flat=True))
    prefixes = sorted(set(DerivedMedia.objects.filter(asset_id__in=doomed).values_list("storage_prefix", flat=True)))
    DerivedMedia.objects.filter(asset_id__in=doomed).delete()
    for asset in Asset.objects.filter(pk__in=doomed).only("pk", "meta"):
        Asset.objects.filter(pk=asset.pk).update(sha256="", perceptual_hash=None, perceptual_hash_version="",
                                                 updated_at=now, meta={**asset.meta, "media_deleted_at": now.isoformat()})
    Item.objects.filter(pk__in=ids).update(media_deleted_at=now, updated_at=now)
    Annotation.objects.filter(task__item_id__in=ids).update(media_deleted_at=now)
    streams: dict[int, list[int]] = {}
    for item_id, asset_id in Stream.objects.filter(item_id__in=ids).values_list("item_id", "asset_id"):
        streams.setdefault(item_id, []).append(asset_id)
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=None, action="item.retention_delete", target_type="item", target_id=str(item.pk),
                   project_id=getattr(getattr(item.dataset, "project", None), "pk", None),
                   data={"retention_until": item.retention_until.isoformat() if item.retention_until else None,
                         "assets_deleted": sorted(a for a in streams.get(item.pk, []) if a in gone),
                         "assets_kept": sorted(a for a in streams.get(item.pk, []) if a in shared)})
        for item in items])
    transaction.on_commit(lambda: _delete_files(keys, doomed, prefixes))
    return len(ids)


def retention_sweep(today: dt.date | None = None) -> dict[str, int]:
    """Delete the media of every expired item; returns how many items were handled."""
    today = today or timezone.localdate()
    now = timezone.now()
    pending = expired_items(today)
    done = 0
    for start in range(0, len(pending), CHUNK):
        done += _sweep_chunk(pending[start:start + CHUNK], now)
    return {"items": done}
