"""Resumable chunked uploads: a client appends chunks at the offset the server reports.

The protocol is the core of tus without its extensions: create (name + total size), append a
chunk at ``Upload-Offset`` (a mismatch answers 409 with the real offset so the client resumes
from there), and ask for the offset after a broken connection. Chunks go straight to a file on
disk; the last one turns the file into an asset exactly as a direct upload would.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from common.errors import Conflict, InvalidInput, StorageFull, StorageUnavailable, TooLarge
from datasets.models import Asset, Dataset, Upload
from datasets.services.assets import asset_create_from_file
from datasets.services.storage import safe_name

MAX_CHUNK_BYTES = 64 * 1024 * 1024


def _upload_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_create(*, dataset: Dataset, filename: str, size: int, user: User) -> Upload:
    """Open an upload of ``size`` bytes; 413 past the media size limit."""
    if size <= 0:
        raise InvalidInput("'size' must be a positive number of bytes.", field="size")
    if size > settings.TANDEM_MAX_UPLOAD_BYTES:
        raise TooLarge(f"'{filename}' is {size} bytes; the limit is {settings.TANDEM_MAX_UPLOAD_BYTES}.")
    upload = Upload(dataset=dataset, filename=safe_name(filename)[:255], size=size, created_by=user)
    upload.temp_path = str(_upload_dir() / f"{upload.id}.part")
    Path(upload.temp_path).touch()
    upload.save()
    return upload


def upload_append(*, upload: Upload, offset: int, chunks: Iterator[bytes], length: int, user: User) -> Upload:
    """Append one chunk at ``offset``; the chunk that completes the file creates the asset."""
    if length <= 0 or length > MAX_CHUNK_BYTES:
        raise InvalidInput(f"A chunk must be 1 to {MAX_CHUNK_BYTES} bytes (Content-Length).")
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.asset_id is not None:
            raise Conflict("This upload is complete.", offset=locked.received)
        if offset != locked.received:
            raise Conflict(f"Upload-Offset {offset} does not match the server's offset {locked.received}.",
                           offset=locked.received)
        if offset + length > locked.size:
            raise InvalidInput(f"The chunk would end at byte {offset + length}, past the declared size {locked.size}.")
        written = 0
        try:
            with open(locked.temp_path, "r+b") as fh:
                fh.seek(offset)
                fh.truncate()
                for chunk in chunks:
                    written += len(chunk)
                    if written > length:
                        break
                    fh.write(chunk)
        except OSError as exc:
            # The chunk is not kept: the client sends it again from the same offset.
            with contextlib.suppress(OSError):
                os.truncate(locked.temp_path, offset)
            if exc.errno == errno.ENOSPC:
                raise StorageFull("The server's disk is full: the chunk was not kept.", offset=offset) from exc
            raise StorageUnavailable(f"The chunk could not be written ({exc.strerror or exc}).", offset=offset) from exc
        if written != length:
            # A short or long body is not appended: the next try starts again at the same offset.
            os.truncate(locked.temp_path, offset)
            raise InvalidInput(f"Received {written} bytes where Content-Length said {length}.", offset=offset)
        locked.received = offset + length
        locked.save(update_fields=["received", "updated_at"])
        if locked.received == locked.size:
            locked.asset = _finish(locked, user)
            locked.save(update_fields=["asset", "updated_at"])
    return locked


def _finish(upload: Upload, user: User) -> Asset:
    with open(upload.temp_path, "rb") as fh:
        asset = asset_create_from_file(dataset=upload.dataset, fileobj=fh, name=upload.filename, user=user)
    transaction.on_commit(lambda: _remove(upload.temp_path))
    return asset


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
