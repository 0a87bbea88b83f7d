"""Pre-label jobs (queue ``gpu``): tasks → plain inputs → pre-labeler ``run`` → prediction rows.

For each mapped pre-labeler the job's tasks are taken ``TANDEM_PRELABEL_BATCH`` at a time; each
task becomes one plain input (a local path of the mapped stream, its offset, the transcript
text, the shot boundaries) and the pure pre-labeler runs the batch on the device picked once per
worker process. An item that cannot be built (missing stream, asset not ready, no shot analysis)
or that the model fails on stores its error on its prediction row and the run goes on; the job
ends ``succeeded`` when every item did, ``partial`` when some failed (each listed with its error
in the result) and ``failed`` when none did. The lifecycle (claim, heartbeat, retries of database
and connection hiccups, failure) is ``common.jobs``; since unchanged predictions are not
rewritten, a retried or redelivered job just redoes its work.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError

from annotation.models import Job, Project, Task
from annotation.prelabel import registry
from annotation.prelabel.base import ItemResult, PreLabeler
from annotation.prelabel.device import pick_device
from annotation.services.jobs import PRELABEL_JOB, job_outcome, job_set_progress
from annotation.services.prelabel import (
    PrelabelEntry,
    prelabel_mapping_check,
    prelabel_store_item,
)
from common.errors import DomainError
from common.jobs import Claim, JobFailed, Outcome, run
from datasets.models import AssetKind, AssetStatus, DerivedMedia, Stream
from datasets.services.derived import derived_latest
from datasets.tasks import local_copy

__all__ = ["run_prelabel"]

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
MAX_RETRIES = 5
SOFT_TIME_LIMIT = 6 * 3600
MAX_LISTED_FAILURES = 200

_device: str | None = None


class InputError(Exception):
    """An item that cannot be given to its pre-labeler; the message is stored on its prediction."""


def worker_device() -> str:
    """The device of this worker process, picked on first use (CUDA when torch sees one)."""
    global _device
    if _device is None:
        _device = pick_device()
        log.info("pre-labels run on %s", _device)
    return _device


def _stream(streams: dict[str, Stream], role: str) -> Stream:
    stream = streams.get(role)
    if stream is None:
        have = ", ".join(sorted(streams)) or "none"
        raise InputError(f"the item has no stream '{role}' (streams: {have})")
    asset = stream.asset
    if asset.status != AssetStatus.READY:
        reason = f": {asset.error}" if asset.error else ""
        raise InputError(f"stream '{role}' (asset {asset.pk}) is not ready: it is {asset.status}{reason}")
    return stream


def _audio(stream: Stream, stack: ExitStack) -> str:
    asset = stream.asset
    if not any(s.get("type") == "audio" for s in asset.meta.get("streams", [])):
        raise InputError(f"stream '{stream.role}' (asset {asset.pk}, {asset.kind}) has no audio")
    return _local_file(stream, stack)


def _local_file(stream: Stream, stack: ExitStack) -> str:
    """A local path of the stream's file, open until the batch is done."""
    asset = stream.asset
    try:
        path = str(stack.enter_context(local_copy(asset)))
    except OSError as exc:
        raise InputError(f"stream '{stream.role}' (asset {asset.pk}): the file cannot be read: {exc}") from exc
    if not os.path.isfile(path):
        raise InputError(f"stream '{stream.role}' (asset {asset.pk}): the file is missing from storage")
    return path


def _shots(stream: Stream) -> dict[str, Any]:
    asset = stream.asset
    if asset.kind != AssetKind.VIDEO:
        raise InputError(f"stream '{stream.role}' (asset {asset.pk}) is {asset.kind}, not video")
    derived = derived_latest(asset, DerivedMedia.Kind.VIDEO)
    if derived is None:
        raise InputError(f"stream '{stream.role}' (asset {asset.pk}) has no shot analysis for the current version yet")
    manifest = derived.manifest
    cuts = manifest.get("cuts_ms")
    if cuts is None:
        cuts = [int(s["start_ms"]) for s in manifest.get("shots", [])[1:]]
    duration = manifest.get("duration_ms") or asset.duration_ms
    if not duration:
        raise InputError(f"stream '{stream.role}' (asset {asset.pk}) has no known duration")
    return {"boundaries_ms": [int(c) for c in cuts], "duration_ms": int(duration)}


def _text(stream: Stream) -> str:
    asset = stream.asset
    if asset.kind != AssetKind.TEXT:
        raise InputError(f"stream '{stream.role}' (asset {asset.pk}) is {asset.kind}, not text")
    try:
        with default_storage.open(asset.storage_key, "rb") as fh:
            return str(fh.read().decode("utf-8", errors="replace"))
    except OSError as exc:
        raise InputError(f"stream '{stream.role}' (asset {asset.pk}): the text cannot be read: {exc}") from exc


def build_input(prelabeler: PreLabeler, entry: PrelabelEntry, streams: dict[str, Stream],
                stack: ExitStack) -> dict[str, Any]:
    """The plain input of one item for ``prelabeler``, following its ``needs``.

    Local copies of media stay open on ``stack`` until the batch is done. Raises InputError with
    a message meant for the person reading the prediction.
    """
    item: dict[str, Any] = {}
    if "audio" in prelabeler.needs or "video" in prelabeler.needs:
        stream = _stream(streams, entry["stream"])
        item["offset_ms"] = stream.offset_ms
        if "audio" in prelabeler.needs:
            item["audio"] = _audio(stream, stack)
        if "video" in prelabeler.needs:
            item.update(_shots(stream))
            if getattr(prelabeler, "reads_video_file", False):
                item["video"] = _local_file(stream, stack)
    if "text" in prelabeler.needs:
        item["text"] = _text(_stream(streams, entry["text_stream"]))
    return item


def options_for(entry: PrelabelEntry) -> dict[str, Any]:
    """The options a mapping entry gives its pre-labeler: its own extras plus track, label, model dir."""
    options: dict[str, Any] = {**entry.get("options", {}), "track": entry["track"]}
    if "label" in entry:
        options["label"] = entry["label"]
    if entry["prelabeler"] == "asr":
        options["model_dir"] = settings.TANDEM_ASR_MODEL_DIR or None
    return options


def _run(prelabeler: PreLabeler, batch: Sequence[dict[str, Any]], device: str,
         options: dict[str, Any]) -> list[ItemResult]:
    """``run`` with its contract enforced: one result per item, a crash fails the batch's items only."""
    if not batch:
        return []
    try:
        results = prelabeler.run(batch, device=device, options=options)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        log.exception("pre-labeler %s failed on a batch", prelabeler.name)
        return [ItemResult(error=f"{prelabeler.name} failed: {type(exc).__name__}: {exc}") for _ in batch]
    if len(results) != len(batch):
        message = f"{prelabeler.name} returned {len(results)} results for {len(batch)} items"
        return [ItemResult(error=message) for _ in batch]
    return list(results)


class _Tally:
    """Counts of a run, overall and per pre-labeler, in the shape stored on ``Job.result``."""

    def __init__(self, device: str) -> None:
        self.result: dict[str, Any] = {
            "device": device, "items_ok": 0, "items_failed": 0, "predictions_written": 0,
            "predictions_superseded": 0, "predictions_unchanged": 0, "failures": [], "by_prelabeler": {},
        }

    def add(self, name: str, version: str, task_id: int, outcome: str, error: str | None) -> None:
        per = self.result["by_prelabeler"].setdefault(
            name, {"version": version, "items_ok": 0, "items_failed": 0, "written": 0, "superseded": 0,
                   "unchanged": 0})
        if error is None:
            self.result["items_ok"] += 1
            per["items_ok"] += 1
        else:
            self.result["items_failed"] += 1
            per["items_failed"] += 1
            if len(self.result["failures"]) < MAX_LISTED_FAILURES:
                self.result["failures"].append({"task": task_id, "prelabeler": name, "error": error})
        if outcome == "unchanged":
            self.result["predictions_unchanged"] += 1
            per["unchanged"] += 1
        else:  # a superseded row is also a written one
            self.result["predictions_written"] += 1
            per["written"] += 1
            if outcome == "superseded":
                self.result["predictions_superseded"] += 1
                per["superseded"] += 1


def prelabel_execute(job: Job, *, device: str, batch_size: int,
                     progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run every (pre-labeler, task) pair of ``job`` and store the predictions; return the counts.

    The mapping is re-checked against the current schema first, so a track removed since the
    job was queued fails the job with the same message a new request would get.
    """
    project: Project = job.project
    entries = prelabel_mapping_check(project, job.params.get("mapping", []))
    wanted = job.params.get("tasks")
    tasks = Task.objects.filter(project=project).order_by("id")
    if wanted is not None:
        tasks = tasks.filter(pk__in=wanted)
    task_ids = list(tasks.values_list("pk", flat=True))
    tally = _Tally(device)
    total = max(1, len(task_ids) * len(entries))
    done = 0
    size = max(1, int(batch_size))
    for entry in entries:
        prelabeler = registry.get(entry["prelabeler"])
        version = str(prelabeler.version)
        options = options_for(entry)
        for start in range(0, len(task_ids), size):
            chunk = (Task.objects.filter(pk__in=task_ids[start:start + size]).order_by("id")
                     .prefetch_related("item__streams__asset"))
            outcomes: dict[int, tuple[list[dict[str, Any]] | None, str | None]] = {}
            with ExitStack() as stack:
                ready: list[tuple[int, dict[str, Any]]] = []
                for task in chunk:
                    streams = {s.role: s for s in task.item.streams.all()}
                    try:
                        ready.append((task.pk, build_input(prelabeler, entry, streams, stack)))
                    except InputError as exc:
                        outcomes[task.pk] = (None, str(exc))
                results = _run(prelabeler, [inp for _, inp in ready], device, options)
                for (task_id, _), res in zip(ready, results, strict=True):
                    outcomes[task_id] = (res.regions, res.error)
            for task_id in sorted(outcomes):
                regions, error = outcomes[task_id]
                outcome, error = prelabel_store_item(project.schema, entry, task_id, version, regions, error)
                tally.add(entry["prelabeler"], version, task_id, outcome, error)
            done += len(task_ids[start:start + size])
            if progress is not None:
                progress(1 + 98 * done // total)
    return tally.result


def _summary(result: dict[str, Any]) -> str:
    """The job's error line for a run where items failed; the list itself is in ``result["failures"]``."""
    ok, failed = result["items_ok"], result["items_failed"]
    first = result["failures"][0]
    where = f"task {first['task']} ({first['prelabeler']}): {first['error']}"
    if ok:
        return f"{failed} of {ok + failed} items failed; the first: {where}"
    return f"Every item failed ({failed}); the first: {where}"


def _execute(held: Claim) -> Outcome:
    job = Job.objects.select_related("project").get(pk=held.pk)
    try:
        result = prelabel_execute(job, device=worker_device(), batch_size=settings.TANDEM_PRELABEL_BATCH,
                                  progress=lambda pct: job_set_progress(job.pk, pct))
    except DomainError as exc:  # the mapping no longer fits the schema: the message a new request would get
        raise JobFailed(f"Pre-label run failed: {exc.detail}") from exc
    status = job_outcome(result["items_ok"], result["items_failed"])
    error = _summary(result) if result["items_failed"] else ""
    return Outcome(status, {"progress": 100, "result": result, "error": error[:4000]})


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, soft_time_limit=SOFT_TIME_LIMIT,
             time_limit=SOFT_TIME_LIMIT + 300)
def run_prelabel(self: Any, job_id: int) -> str:
    """Run one pre-label job to the end: succeeded, partial (some items failed, listed) or failed."""
    return run(self, PRELABEL_JOB, job_id, _execute, transient=TRANSIENT, max_retries=MAX_RETRIES,
               expected=(JobFailed,), what="The pre-label run", claim_fields={"progress": 1, "error": ""})
