"""Export jobs (queue ``media``): records → format writer → temporary file → storage.

The writer streams into a local temporary file; only a complete file is saved to storage, under
``exports/{project}/{job}/{name}``, and only then is the job marked succeeded, so a failed or
killed run never leaves a half file where a download could find it. Database and connection
hiccups are retried with backoff up to a cap; anything else (a writer raising, a missing media
file) ends the job ``failed`` with a readable message, and the worker carries on.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import OperationalError

from annotation.models import Job, JobStatus, Project
from annotation.selectors_exports import agreement_summary, export_records, export_tasks
from annotation.services.datacards import DATACARD_NAME, consent_excluded, release_datacard
from annotation.services.exports import (
    export_file_name,
    export_key,
    export_mime_type,
)
from annotation.services.jobs import EXPORT_JOB, job_set_progress
from annotation.tasks.exports_redacted import write_redacted_export
from common.jobs import Claim, Outcome, run
from datasets.exports import FORMATS
from datasets.exports.base import DeterministicZip, dumps, loads
from datasets.exports.labelstudio import LOCAL_FILES_PREFIX
from datasets.exports.labelstudio import email as ls_email
from datasets.exports.manifest import build_manifest, release_hash

__all__ = ["run_export"]

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, ConnectionError)
MAX_RETRIES = 5
PROGRESS_EVERY = 50
COPY_CHUNK = 1024 * 1024
SOFT_TIME_LIMIT = 6 * 3600
#: Media kinds already compressed: stored as is in the zip rather than deflated again.
_COMPRESSED_KINDS = frozenset({"video", "audio", "image"})


class ExportError(Exception):
    """An export that cannot succeed; its message is shown to the user on the job."""


def _hash_file(path: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class _Counter:
    """Counts what passes through the record stream and reports progress when its percentage moves."""

    def __init__(self, job_id: int, total: int, span: tuple[int, int]) -> None:
        self.job_id, self.total, self.span = job_id, max(total, 1), span
        self.tasks = self.items = self.regions = 0
        self.reported = span[0]
        self.media: dict[str, str] = {}  # storage key -> asset kind, first appearance order

    def on_task(self) -> None:
        self.tasks += 1
        if self.tasks % PROGRESS_EVERY == 0:
            lo, hi = self.span
            progress = lo + (hi - lo) * self.tasks // self.total
            if progress != self.reported:  # at most one UPDATE per percent, however large the export
                self.reported = progress
                job_set_progress(self.job_id, progress)

    def wrap(self, records: Iterable[dict[str, Any]], *, media: bool = True) -> Iterator[dict[str, Any]]:
        """Pass records through, counting them; `media=False` skips collecting the media they name
        (only an export that bundles its media needs them, and an export without media may name
        as many files as it has items)."""
        for record in records:
            self.items += 1
            self.regions += sum([len(a.get("regions", [])) for a in record.get("annotations", [])])
            if media:
                for s in record.get("streams", []):
                    if s.get("uri"):
                        self.media.setdefault(str(s["uri"]), str(s.get("kind", "")))
            yield record


def _copy_from_storage(key: str, dst: IO[bytes]) -> None:
    try:
        src = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise ExportError(f"Media file '{key}' is missing from storage.") from exc
    with src:
        shutil.copyfileobj(src, dst, COPY_CHUNK)


def _bundle(writer_path: str, out: IO[bytes], inner_name: str, zipped: bool, media: dict[str, str]) -> None:
    """One deterministic zip: the writer's output (its members, or the file itself) plus media/.

    A zipped format's members are copied across member by member (stored ones stay stored);
    a single-file format goes in as `inner_name`. Media files follow under ``media/{uri}`` in
    the order the records first named them, streamed from storage.
    """
    with DeterministicZip(out) as bundle:  # type: ignore[arg-type]
        if zipped:
            with zipfile.ZipFile(writer_path) as inner:
                for info in inner.infolist():
                    stored = info.compress_type == zipfile.ZIP_STORED
                    with inner.open(info) as src, bundle.open(info.filename, stored=stored) as dst:
                        shutil.copyfileobj(src, dst, COPY_CHUNK)
        else:
            with open(writer_path, "rb") as src, bundle.open(inner_name) as dst:
                shutil.copyfileobj(src, dst, COPY_CHUNK)
        for key, kind in media.items():
            with bundle.open(f"media/{key}", stored=kind in _COMPRESSED_KINDS) as dst:
                _copy_from_storage(key, dst)


SNAPSHOT_NAME = "snapshot.jsonl.gz"


def _snapshot_records(key: str) -> Iterator[dict[str, Any]]:
    """The records a release was made from, streamed back from its snapshot in storage."""
    try:
        fh = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise ExportError(f"The release snapshot '{key}' is missing from storage.") from exc
    with fh, gzip.GzipFile(fileobj=fh) as lines:
        for line in lines:
            yield loads(line)


def _tee(records: Iterable[dict[str, Any]], path: str) -> Iterator[dict[str, Any]]:
    """Pass records through while writing them to a gzipped JSONL snapshot (mtime 0: same bytes)."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as snap:
        for record in records:
            snap.write(dumps(record) + b"\n")
            yield record


def write_export(job: Job, project: Project, workdir: str) -> tuple[str, dict[str, Any]]:
    """Write the job's export file into `workdir`; returns (path, result facts).

    A release also writes the snapshot of its records (``workdir/snapshot.jsonl.gz``); a remake
    reads its records from the original release's snapshot, not from the database, so it gives
    the same bytes even after the annotations have changed.
    """
    params = job.params
    fmt = FORMATS[params["format"]]
    include_media = params.get("media") == "include"
    total = export_tasks(project, params.get("filters") or {}).count()
    counter = _Counter(job.pk, total, (1, 90))
    source = _remade_release(job)
    if source is not None:
        records = counter.wrap(_snapshot_records(source.result["snapshot_key"]), media=include_media)
    else:
        records = counter.wrap(export_records(project, params, on_task=counter.on_task), media=include_media)
    if job.release_name:
        records = _tee(records, f"{workdir}/{SNAPSHOT_NAME}")
    writer_path = f"{workdir}/writer.{fmt.extension}"
    notes: list[str] = []  # what a writer left out, and why (e.g. an empty subtitle track)
    with open(writer_path, "wb") as out:
        try:
            written = fmt.writer(project.schema, records, out, **_writer_options(job, notes))
        except (ExportError, *TRANSIENT):
            raise
        except Exception as exc:
            raise ExportError(f"The {fmt.name} writer failed: {type(exc).__name__}: {exc}") from exc
    path = writer_path
    if include_media:
        path = f"{workdir}/bundle.zip"
        inner_name = f"export.{fmt.extension}"
        with open(path, "wb") as out:
            _bundle(writer_path, out, inner_name, fmt.zipped, counter.media)
    sha256, size = _hash_file(path)
    return path, {"items": counter.items, "regions": counter.regions, "written": written, "bytes": size,
                  "sha256": sha256, "media_files": len(counter.media) if include_media else 0,
                  **({"notes": _capped(notes)} if notes else {})}


MAX_NOTES = 100


def _capped(notes: list[str]) -> list[str]:
    return notes if len(notes) <= MAX_NOTES else [*notes[:MAX_NOTES], f"… and {len(notes) - MAX_NOTES} more"]


def _storage_url(key: str) -> str:
    """An absolute (signed) url of a stored file when the storage gives one, else Label Studio's
    local-files path to the file as an export with media included bundles it."""
    try:
        url = default_storage.url(key)
    except (NotImplementedError, ValueError, OSError):
        url = ""
    return url if url.startswith(("https://", "http://")) else LOCAL_FILES_PREFIX + key


def _writer_options(job: Job, notes: list[str]) -> dict[str, Any]:
    """What the writer takes besides the records: the notes list and the job's format options."""
    params = job.params
    options: dict[str, Any] = {"notes": notes}
    if params.get("ground_truth"):
        options["ground_truth"] = params["ground_truth"]
    if params["format"] == "labelstudio":
        emails: dict[str | None, str] = {}

        def email_of(name: str | None) -> str:
            if name not in emails:
                found = get_user_model().objects.filter(username=name).values_list("email", flat=True).first()
                emails[name] = found or ls_email(name)
            return emails[name]

        options["email_of"] = email_of
        # signed urls expire, and a release must be re-made byte for byte: releases keep local paths
        if not job.release_name and not params.get("remake_of"):
            options["media_url"] = _storage_url
    return options


def _local_snapshot(path: str) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw) as lines:
        for line in lines:
            yield loads(line)


def _remade_release(job: Job) -> Job | None:
    """The release a remake re-makes, when it has a snapshot (releases made before snapshots have none)."""
    source = Job.objects.filter(pk=job.params.get("remake_of")).first() if job.params.get("remake_of") else None
    return source if source is not None and source.result.get("snapshot_key") else None


def _release(job: Job, project: Project, name: str, facts: dict[str, Any], snapshot: str) -> dict[str, Any]:
    """The release manifest, built from the snapshot the export was written from."""
    params = job.params
    filters = params.get("filters") or {}
    manifest = build_manifest(
        project.schema, _local_snapshot(snapshot), schema_version=project.schema_version,
        agreement=agreement_summary(export_tasks(project, filters)),
        files={name: facts["sha256"]},
        extra={"project": project.pk, "format": params["format"], "include": params["include"],
               "media": params["media"], "filters": filters, **({"notes": facts["notes"]} if facts.get("notes") else {})})
    return {"manifest": manifest, "release_hash": release_hash(manifest)}


def _save(key: str, path: str) -> None:
    """Save the finished file under `key`, replacing a leftover from an earlier attempt."""
    if default_storage.exists(key):
        default_storage.delete(key)
    with open(path, "rb") as fh:
        saved = default_storage.save(key, File(fh, name=key.rsplit("/", 1)[-1]))
    if saved != key:  # a storage that renamed on collision: keep the key the job points at
        default_storage.delete(saved)
        raise ExportError(f"Storage refused the key '{key}'.")


def _discard(key: str) -> None:
    try:
        if key and default_storage.exists(key):
            default_storage.delete(key)
    except Exception:
        log.exception("could not remove %s", key)


def _discard_outputs(job: Job, key: str) -> None:
    """Remove what a failed attempt may have saved: the export file and the release snapshot."""
    _discard(key)
    _discard(export_key(job, SNAPSHOT_NAME))
    _discard(export_key(job, DATACARD_NAME))


def _compare_with_release(job: Job, facts: dict[str, Any]) -> dict[str, Any]:
    source = Job.objects.filter(pk=job.params.get("remake_of")).first()
    if source is None:
        return {}
    return {"remake_of": source.pk, "same_bytes": source.result.get("sha256") == facts["sha256"]}


def _consent_excluded(job: Job, project: Project) -> int:
    """Items the export left out for lacking the project's required consent (a remake: as its release did)."""
    source = _remade_release(job)
    if source is not None:
        return int(source.result.get("consent_excluded", 0))
    return consent_excluded(project, job.params.get("filters") or {})


def _write(held: Claim) -> Outcome:
    """The export itself; whatever it saved is removed again if it does not end succeeded."""
    job = Job.objects.select_related("project").get(pk=held.pk)
    project = job.project
    key = ""
    try:
        with tempfile.TemporaryDirectory(prefix="tandem-export-") as workdir:
            if job.params.get("redact"):
                path, facts = write_redacted_export(job, project, workdir, error=ExportError)
            else:
                path, facts = write_export(job, project, workdir)
            facts["consent_excluded"] = _consent_excluded(job, project)
            name = export_file_name(project, job)
            if job.release_name:
                job_set_progress(job.pk, 92)
                snapshot = f"{workdir}/{SNAPSHOT_NAME}"
                facts.update(_release(job, project, name, facts, snapshot))
                snapshot_key = export_key(job, SNAPSHOT_NAME)
                _save(snapshot_key, snapshot)
                facts["snapshot_key"] = snapshot_key
                facts.update(release_datacard(job, project, _local_snapshot(snapshot), facts,
                                              export_key(job, DATACARD_NAME)))
            if job.params.get("remake_of"):
                facts.update(_compare_with_release(job, facts))
            key = export_key(job, name)
            job_set_progress(job.pk, 96)
            _save(key, path)
    except BaseException:
        _discard_outputs(job, key)
        raise
    facts.update(file_name=name, mime_type=export_mime_type(job.params))
    return Outcome(JobStatus.SUCCEEDED, {"progress": 100, "result": facts, "file_key": key})


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, soft_time_limit=SOFT_TIME_LIMIT,
             time_limit=SOFT_TIME_LIMIT + 300)
def run_export(self: Any, job_id: int) -> str:
    """Run one export job to the end: succeeded with its file, or failed with its error."""
    return run(self, EXPORT_JOB, job_id, _write, transient=TRANSIENT, max_retries=MAX_RETRIES,
               expected=(ExportError,), what="The export", claim_fields={"progress": 1, "error": ""},
               fail_fields={"file_key": ""})
