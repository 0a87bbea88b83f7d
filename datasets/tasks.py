"""Celery tasks of the ``media`` queue: probe, waveform pyramid, video analysis, proxy, sync check.

Each task loads its row, computes only what is missing for the current code version, writes the
files under a key derived from the asset's content hash and that version, and only then records
the artifact, so a worker killed mid-job leaves nothing marked ready. Running a task twice is safe.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from celery import shared_task
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import OperationalError

from common.jobs import Claim, Outcome, run
from datasets.models import Asset, AssetKind, AssetStatus, DerivedMedia, Stream
from datasets.services.assets import ASSET_JOB
from datasets.services.derived import derived_latest, derived_record

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


@contextmanager
def local_copy(asset: Asset) -> Iterator[str]:
    """A local path for the asset: the file itself on local storage, a streamed download on S3."""
    try:
        yield default_storage.path(asset.storage_key)
        return
    except NotImplementedError:
        pass
    suffix = Path(asset.storage_key).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        with default_storage.open(asset.storage_key, "rb") as src:
            shutil.copyfileobj(src, tmp, 1024 * 1024)
        tmp.flush()
        yield tmp.name


def _upload_dir(folder: str, prefix: str) -> None:
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            key = prefix + name
            if default_storage.exists(key):
                default_storage.delete(key)
            with open(path, "rb") as fh:
                default_storage.save(key, File(fh))


def _prefix(asset: Asset, kind: str, version: str) -> str:
    return f"derived/{asset.sha256 or asset.pk}/{kind}-v{version}/"


def _progress_setter(asset: Asset, lo: int, hi: int) -> Callable[[float], None]:
    last = [-1]

    def set_progress(pct: float) -> None:
        value = int(lo + (hi - lo) * max(0.0, min(100.0, pct)) / 100)
        if value != last[0]:
            last[0] = value
            Asset.objects.filter(pk=asset.pk).update(progress=value)

    return set_progress


def _artifact(asset: Asset, kind: str, version: str, compute: Callable[[str], dict[str, Any]]) -> DerivedMedia:
    existing = derived_latest(asset, kind)
    if existing is not None:
        return existing
    prefix = _prefix(asset, kind, version)
    with tempfile.TemporaryDirectory(prefix="tandem-") as out:
        manifest = compute(out)
        _upload_dir(out, prefix)
    return derived_record(asset, kind, version, prefix, manifest)


def _probe_and_sha(asset: Asset, path: str) -> dict[str, Any]:
    from datasets.media import probe
    from datasets.services.storage import hash_file

    meta = probe(path)
    if not asset.sha256:
        with open(path, "rb") as fh:
            asset.sha256, asset.size = hash_file(fh)
    return dict(meta)


def _process(held: Claim) -> Outcome:
    """Probe the claimed asset and compute its missing artifacts; the outcome is ``ready``."""
    from datasets.media import make_proxy, needs_proxy, proxy_extension
    from datasets.services.derived import current_versions

    asset = Asset.objects.get(pk=held.pk)
    code = current_versions()
    with local_copy(asset) as path:
        meta = _probe_and_sha(asset, path)
        kind = meta.get("kind", AssetKind.UNKNOWN)
        asset.kind = kind if kind in AssetKind.values else AssetKind.UNKNOWN
        asset.meta = {**asset.meta, **meta}
        asset.save(update_fields=["kind", "meta", "sha256", "size", "updated_at"])
        has_audio = any(s.get("type") == "audio" for s in meta.get("streams", []))
        hashed = False
        if asset.kind in (AssetKind.AUDIO, AssetKind.VIDEO) and has_audio:
            wave, hashed = _waveform(asset, path, code["waveform"])
            asset.meta["waveform_levels"] = sorted(int(lv["samples_per_pixel"]) for lv in wave.manifest.get("levels", []))
        _mark_duplicate(asset, path, has_audio, hashed)
        if asset.kind == AssetKind.VIDEO:
            _artifact(asset, DerivedMedia.Kind.VIDEO, code["video"],
                      lambda out: _video_manifest(path, out, _progress_setter(asset, 40, 75)))
        if asset.kind in (AssetKind.AUDIO, AssetKind.VIDEO) and needs_proxy(meta):
            def proxy(out: str) -> dict[str, Any]:
                name = "proxy" + proxy_extension(meta)
                make_proxy(path, os.path.join(out, name), meta, progress=_progress_setter(asset, 75, 99))
                return {"file": name}

            _artifact(asset, DerivedMedia.Kind.PROXY, code["proxy"], proxy)
    return Outcome(AssetStatus.READY, {"progress": 100, "meta": asset.meta, "error": ""},
                   after=lambda: _after_ready(asset.pk))


def _waveform(asset: Asset, path: str, version: str) -> tuple[DerivedMedia, bool]:
    """The waveform pyramid, and whether the audio hash was set on ``asset`` by the same decode pass.

    An audio asset's hash is computed from the samples the pyramid reads, so a long recording is
    decoded once; a video's hash comes from its pictures, elsewhere.
    """
    from datasets.media.audio import analyze_audio
    from datasets.media.fingerprint import AUDIO_FINGERPRINT_VERSION

    hashed: list[bool] = []

    def compute(out: str) -> dict[str, Any]:
        audio = asset.kind == AssetKind.AUDIO
        result = analyze_audio(path, out, with_fingerprint=audio, progress=_progress_setter(asset, 5, 40))
        if audio:
            asset.perceptual_hash = result.fingerprint
            asset.perceptual_hash_version = AUDIO_FINGERPRINT_VERSION if result.fingerprint is not None else ""
            if result.fingerprint is None:
                log.warning("no perceptual hash for asset %s: %s", asset.pk, result.fingerprint_problem)
            hashed.append(True)
        return result.waveform

    return _artifact(asset, DerivedMedia.Kind.WAVEFORM, version, compute), bool(hashed)


def _mark_duplicate(asset: Asset, path: str, has_audio: bool, hashed: bool) -> None:
    """Hash the content (unless ``hashed`` already) and link the asset to an earlier copy of it; a file
    too odd to hash is still usable."""
    from datasets.media import MediaError
    from datasets.media.fingerprint import FINGERPRINT_VERSIONS, fingerprint
    from datasets.services.duplicates import asset_mark_duplicate

    if not hashed:
        try:
            asset.perceptual_hash = fingerprint(path, asset.kind, has_audio)
            asset.perceptual_hash_version = FINGERPRINT_VERSIONS.get(asset.kind, "") \
                if asset.perceptual_hash is not None else ""
        except MediaError as exc:
            log.warning("no perceptual hash for asset %s: %s", asset.pk, exc)
    asset_mark_duplicate(asset)


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=4 * 3600, time_limit=4 * 3600 + 300)
def process_asset(self: Any, asset_id: int) -> str:
    """Probe an asset and precompute what the browser needs: ``ready``, or ``failed`` with a message.

    Runs through ``common.jobs``: only a pending asset (or one whose worker died) is claimed, so
    a duplicate or late delivery returns "skipped"; a media error fails it with the decoder's
    message, any other error with its type and message; database and connection hiccups are
    retried with backoff, and the asset ends ``failed`` once the retries are spent.
    """
    from datasets.media import MediaError

    return run(self, ASSET_JOB, asset_id, _process, transient=TRANSIENT, max_retries=5, expected=(MediaError,),
               what="Processing", claim_fields={"progress": 1, "error": ""}, fail_fields={"progress": 0})


def _video_manifest(path: str, out: str, progress: Callable[[float], None]) -> dict[str, Any]:
    """Shots, keyframes and filmstrips; the per-frame index goes to its own file, not the row."""
    import json

    from datasets.media import analyze_video

    manifest = analyze_video(path, out, progress=progress)
    frames = manifest.pop("frames_ms")
    with open(os.path.join(out, "frames.json"), "w") as fh:
        json.dump({"fps": manifest.get("fps"), "timestamps_ms": frames}, fh, separators=(",", ":"))
    manifest["frames_file"] = "frames.json"
    return manifest


def _after_ready(asset_id: int) -> None:
    """When every stream of an item is ready, set its duration; queue the sync check of its audio."""
    from datasets.services.sync import items_queue_sync

    item_ids = []
    for stream in Stream.objects.filter(asset_id=asset_id).select_related("item"):
        item = stream.item
        item_ids.append(item.pk)
        assets = [s.asset for s in item.streams.select_related("asset")]
        if any(a.status != AssetStatus.READY for a in assets):
            continue
        durations = [a.duration_ms for a in assets if a.duration_ms]
        if durations and not item.duration_ms:
            type(item).objects.filter(pk=item.pk).update(duration_ms=max(durations))
    items_queue_sync(item_ids)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=5, max_retries=5, soft_time_limit=1800)
def estimate_item_offsets(item_id: int) -> list[dict[str, Any]]:
    """Propose for each extra audio stream the ``offset_ms`` that aligns it with the reference.

    The reference is the video's audio when there is one, else the first audio stream. Accepting a
    proposal makes the same sound fall on the same item time in both streams (docs/architecture.md,
    "Stream offsets").
    """
    from datasets.media import MediaError, estimate_offset
    from datasets.services.sync import asset_has_audio, sync_reference

    streams = [s for s in Stream.objects.filter(item_id=item_id).select_related("asset") if asset_has_audio(s.asset)]
    if len(streams) < 2:
        return []
    reference = sync_reference(streams)
    proposals = []
    with local_copy(reference.asset) as ref_path:
        for stream in streams:
            if stream.pk == reference.pk:
                continue
            try:
                with local_copy(stream.asset) as path:
                    offset_ms, confidence = estimate_offset(ref_path, path)
            except MediaError as exc:
                log.warning("sync check of stream %s failed: %s", stream.pk, exc)
                continue
            # offset_ms says how much later the stream hears what the reference hears; a stream sits
            # at item time = stream time + its offset, so a late stream belongs that much earlier.
            proposed = reference.offset_ms - round(offset_ms)
            Stream.objects.filter(pk=stream.pk).update(proposed_offset_ms=proposed, offset_confidence=confidence)
            proposals.append({"stream": stream.pk, "proposed_offset_ms": proposed, "confidence": confidence})
    return proposals


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, max_retries=5,
             soft_time_limit=3600)
def purge_storage(prefixes: list[str]) -> int:
    """Delete a deleted dataset's files that no remaining row refers to; safe to run twice."""
    from datasets.services.purge import storage_purge

    return storage_purge(prefixes)


@shared_task(name="datasets.tasks.sweep_uploads", ignore_result=True, soft_time_limit=3600)
def sweep_uploads() -> dict[str, int]:
    """Chunks of resumable uploads given up, and import previews nobody confirmed (run hourly by beat)."""
    from datasets.services.previews import previews_sweep
    from datasets.services.uploads import uploads_sweep

    return {"upload_folders": uploads_sweep(), "previews": previews_sweep()}
