"""The sync check of an item's audio: which items need one, and queuing it.

An item needs the check once every stream's media is ready and at least two of them carry audio.
That moment comes either when the last asset finishes processing (``datasets.tasks._after_ready``)
or at import, when an item is built from assets that were ready before it existed (resumable
uploads, manifest lines naming ``{"asset": id}``); a manager can also ask again at any time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from common.dispatch import enqueue_on_commit
from common.errors import Conflict
from datasets.models import Asset, AssetKind, AssetStatus, Item, Stream

SYNC_TASK = "datasets.tasks.estimate_item_offsets"
_CHUNK = 5000
_MEDIA_KINDS = ("audio", "video", "unknown")  # "unknown" until probed: it may still turn out to be audio


def asset_has_audio(asset: Asset) -> bool:
    """Whether the probe found an audio stream in the asset (only known once it is processed)."""
    return any(s.get("type") == "audio" for s in asset.meta.get("streams", []))


def sync_reference(streams: Sequence[Stream]) -> Stream:
    """The stream the others are aligned to: the video's sound when there is one, else the first."""
    return next((s for s in streams if s.asset.kind == AssetKind.VIDEO), streams[0])


@dataclass(frozen=True)
class SyncPlan:
    """What a sync check of one item would compare: its audio streams and the one they align to."""

    item_id: int
    audio_streams: list[Stream]
    still_processing: int  # media streams whose asset is pending or processing (a failed one never joins)

    @property
    def ready(self) -> bool:
        return self.still_processing == 0 and len(self.audio_streams) >= 2


def _plans(item_ids: Iterable[int]) -> list[SyncPlan]:
    streams: dict[int, list[Stream]] = defaultdict(list)
    ids = list(item_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = (Stream.objects.filter(item_id__in=ids[start : start + _CHUNK], asset__kind__in=_MEDIA_KINDS)
                .select_related("asset").order_by("item_id", "id"))
        for stream in rows:
            streams[stream.item_id].append(stream)
    plans = []
    for item_id, group in streams.items():
        waiting = sum(1 for s in group if s.asset.status in (AssetStatus.PENDING, AssetStatus.PROCESSING))
        audio = [s for s in group if s.asset.status == AssetStatus.READY and asset_has_audio(s.asset)]
        plans.append(SyncPlan(item_id, audio, waiting))
    return plans


def assets_with_audio(asset_ids: Iterable[int]) -> set[int]:
    """Which of these assets are ready and carry audio: only a stream on one of them counts towards a sync check."""
    ids = list(set(asset_ids))
    found: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        assets = Asset.objects.filter(pk__in=ids[start : start + _CHUNK], status=AssetStatus.READY,
                                      kind__in=_MEDIA_KINDS).only("pk", "meta")
        found.update(a.pk for a in assets if asset_has_audio(a))
    return found


def items_queue_sync(item_ids: Sequence[int]) -> int:
    """Queue the check (after commit) for each of these items that is ready for one; returns how many.

    Items whose media is still processing are left alone: the last asset to finish queues them.
    """
    ready = [plan.item_id for plan in _plans(item_ids) if plan.ready]
    for item_id in ready:
        enqueue_on_commit(SYNC_TASK, item_id)
    return len(ready)


def item_sync_check(*, item: Item) -> dict[str, Any]:
    """Queue the sync check of one item on request; 409 when it has fewer than two audio streams."""
    plans = _plans([item.pk])
    plan = plans[0] if plans else SyncPlan(item.pk, [], 0)
    if plan.still_processing:
        raise Conflict(f"Not ready yet: {plan.still_processing} of the item's media files are still being "
                       "processed; the sync check runs by itself when they are ready.",
                       still_processing=plan.still_processing)
    if len(plan.audio_streams) < 2:
        raise Conflict(f"The sync check compares two or more streams with audio; this item has "
                       f"{len(plan.audio_streams)}.", audio_streams=len(plan.audio_streams))
    reference = sync_reference(plan.audio_streams)
    enqueue_on_commit(SYNC_TASK, item.pk)
    return {"item": item.pk, "status": "queued", "reference": {"id": reference.pk, "role": reference.role},
            "streams": [{"id": s.pk, "role": s.role} for s in plan.audio_streams if s.pk != reference.pk]}
