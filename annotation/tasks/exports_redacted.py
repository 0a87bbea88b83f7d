"""The redacted export (``"redact"`` in the export's params), run by the export job.

One zip: the chosen format's file(s) written from masked records (datasets.exports.redacted),
and under ``media/`` a rendered copy of every video, audio and text stream with each redaction
applied (datasets.media.redact_render). Items are handled one at a time: each stream is read
from storage to a local file, rendered into the work folder, streamed into the zip and deleted,
so the work folder holds one rendered file at a time. The original files are never copied into
the zip and their storage keys never written into it. Progress follows the items; within a long
video it follows the video's frames.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.db import OperationalError

from annotation.models import Job, Project
from annotation.selectors_exports import export_records, export_tasks
from annotation.services.jobs import job_set_progress
from datasets.exports import FORMATS
from datasets.exports.base import DeterministicZip, dumps
from datasets.exports.redacted import Rendered, masked_record, rendered_name, stream_redactions
from datasets.media.errors import MediaError
from datasets.media.redact import plan_from_regions
from datasets.models import AssetKind

if TYPE_CHECKING:  # the renderer loads PyAV and NumPy: imported where a redacted export runs, not in every worker
    from datasets.media.redact_render import RenderSettings

COPY_CHUNK = 1024 * 1024
SNAPSHOT_NAME = "snapshot.jsonl.gz"


class RedactError(Exception):
    """A redacted export that cannot succeed; shown on the job. Subclassed by the export job's
    own error type so that the job runner treats it as expected (see ``run_export``)."""


@contextmanager
def _local(key: str) -> Iterator[str]:
    """A local path of a stored file: the file itself on local storage, a download elsewhere."""
    try:
        path = default_storage.path(key)
    except NotImplementedError:
        path = ""
    if path:
        if not os.path.isfile(path):
            raise RedactError(f"Media file '{key}' is missing from storage.")
        yield path
        return
    try:
        src = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise RedactError(f"Media file '{key}' is missing from storage.") from exc
    with src, tempfile.NamedTemporaryFile(suffix=Path(key).suffix) as tmp:
        shutil.copyfileobj(src, tmp, COPY_CHUNK)
        tmp.flush()
        yield tmp.name


class _Progress:
    """Job progress over ``span``: one step per item, split by fraction within a long render."""

    def __init__(self, job_id: int, total: int, span: tuple[int, int]) -> None:
        self.job_id, self.total, self.span = job_id, max(1, total), span
        self.done = 0
        self.reported = span[0]

    def within(self, pct: float) -> None:
        lo, hi = self.span
        value = lo + int((hi - lo) * (self.done + pct / 100) / self.total)
        if value != self.reported:
            self.reported = value
            job_set_progress(self.job_id, value)

    def item_done(self) -> None:
        self.done += 1
        self.within(0)


def settings_of(params: dict[str, Any]) -> RenderSettings:
    from datasets.media.redact_render import RenderSettings

    options = params.get("redact") or {}
    return RenderSettings(box_mode=options.get("boxes", "blur"), sound_mode=options.get("sound", "mute"))


class _Renderer:
    """Renders each record's streams into the zip and hands the writer the masked record."""

    def __init__(self, schema: dict[str, Any], bundle: DeterministicZip, workdir: str, settings: RenderSettings,
                 progress: _Progress, notes: list[str]) -> None:
        self.schema, self.bundle, self.workdir = schema, bundle, workdir
        self.settings, self.progress, self.notes = settings, progress, notes
        self.media_files = 0
        self.redacted_frames = 0
        self.redacted_samples = 0

    def _add(self, name: str, path: str) -> str:
        digest = hashlib.sha256()
        with open(path, "rb") as src, self.bundle.open(name, stored=not name.endswith(".txt")) as dst:
            while chunk := src.read(COPY_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
        self.media_files += 1
        return digest.hexdigest()

    def _render(self, record: dict[str, Any], stream: dict[str, Any], regions: list[dict[str, Any]],
                text: str | None) -> Rendered | None:
        name = rendered_name(record, stream)
        if name is None:
            if stream.get("uri"):
                self.notes.append(f"item {record['item_id']}: the {stream.get('kind')} stream '{stream['role']}' "
                                  "is left out (a redacted export renders video, audio and text only)")
            return None
        out = os.path.join(self.workdir, "rendered" + Path(name).suffix)
        try:
            if stream["kind"] == AssetKind.TEXT:
                Path(out).write_text(text or "", encoding="utf-8")
            else:
                from datasets.media.redact_render import render_audio, render_video

                plan = plan_from_regions(regions, int(stream.get("offset_ms") or 0))
                render = render_video if stream["kind"] == AssetKind.VIDEO else render_audio
                with _local(str(stream["uri"])) as src:
                    facts = render(src, out, plan, self.settings, progress=self.progress.within)
                self.redacted_frames += facts.redacted_frames
                self.redacted_samples += facts.redacted_samples
            return Rendered(name, self._add(name, out))
        except MediaError as exc:
            raise RedactError(f"Item {record['item_id']}, stream '{stream['role']}': {exc}") from exc
        finally:
            if os.path.exists(out):
                os.unlink(out)

    def records(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for record in records:
            redactions = stream_redactions(self.schema, record)
            masked = masked_record(self.schema, record, {})
            rendered: dict[str, Rendered] = {}
            for stream in record.get("streams", []):
                role = str(stream["role"])
                done = self._render(record, stream, redactions.get(role, []), masked["texts"].get(role))
                if done is not None:
                    rendered[role] = done
            self.progress.item_done()
            yield masked_record(self.schema, record, rendered)


def _tee(records: Iterable[dict[str, Any]], path: str) -> Iterator[dict[str, Any]]:
    """Pass the masked records through while keeping them as the release snapshot."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as snap:
        for record in records:
            snap.write(dumps(record) + b"\n")
            yield record


def write_redacted_export(job: Job, project: Project, workdir: str,
                          error: type[Exception] = RedactError) -> tuple[str, dict[str, Any]]:
    """Write the redacted export zip into ``workdir``; returns (path, result facts) as ``write_export`` does.

    Failures raise ``error`` (the export job passes its own expected error type).
    """
    params = job.params
    fmt = FORMATS[params["format"]]
    total = export_tasks(project, params.get("filters") or {}).count()
    notes: list[str] = []
    path = f"{workdir}/bundle.zip"
    writer_path = f"{workdir}/writer.{fmt.extension}"
    items = regions = 0
    try:
        with open(path, "wb") as out, DeterministicZip(out) as bundle:
            renderer = _Renderer(project.schema, bundle, workdir, settings_of(params), _Progress(job.pk, total, (1, 90)),
                                 notes)
            records: Iterable[dict[str, Any]] = renderer.records(export_records(project, params))
            if job.release_name:
                records = _tee(records, f"{workdir}/{SNAPSHOT_NAME}")

            def counted(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
                nonlocal items, regions
                for row in rows:
                    items += 1
                    regions += sum(len(a.get("regions", [])) for a in row.get("annotations", []))
                    yield row

            with open(writer_path, "wb") as writer_out:
                written = fmt.writer(project.schema, counted(records), writer_out, notes=notes)
            _add_writer_output(bundle, writer_path, fmt.zipped, f"export.{fmt.extension}")
    except RedactError as exc:
        raise error(str(exc)) from exc
    except (OperationalError, ConnectionError):
        raise  # the job runner retries these
    except Exception as exc:
        raise error(f"The redacted {fmt.name} export failed: {type(exc).__name__}: {exc}") from exc
    from datasets.media.redact_render import REDACT_RENDER_VERSION

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(COPY_CHUNK):
            digest.update(chunk)
    return path, {"items": items, "regions": regions, "written": written, "bytes": os.path.getsize(path),
                  "sha256": digest.hexdigest(), "media_files": renderer.media_files,
                  "redacted": {"frames": renderer.redacted_frames, "samples": renderer.redacted_samples,
                               "renderer_version": REDACT_RENDER_VERSION},
                  **({"notes": notes[:100]} if notes else {})}


def _add_writer_output(bundle: DeterministicZip, writer_path: str, zipped: bool, inner_name: str) -> None:
    if zipped:
        with zipfile.ZipFile(writer_path) as inner:
            for info in inner.infolist():
                with inner.open(info) as src, bundle.open(info.filename,
                                                          stored=info.compress_type == zipfile.ZIP_STORED) as dst:
                    shutil.copyfileobj(src, dst, COPY_CHUNK)
    else:
        with open(writer_path, "rb") as src, bundle.open(inner_name) as dst:
            shutil.copyfileobj(src, dst, COPY_CHUNK)
