"""Resumable chunked uploads: a client appends chunks at the offset the server reports.

The protocol is the core of tus without its extensions: create (name + total size), append a
chunk at ``Upload-Offset`` (a mismatch answers 409 with the real offset so the client resumes
from there), and ask for the offset after a broken connection.

Each chunk is one object in the default storage, ``uploads/chunks/{upload}/{offset:016d}``, and
the upload's row holds the offset reached, so any web host can take the next chunk. A chunk is
written whole or not at all: the body is received first, its length checked, then saved. The
chunk that completes the upload streams the chunks in order into a temporary file, which becomes
an asset exactly as a direct upload would; the chunks are deleted once that commits. Uploads left
unfinished are forgotten, chunks and row, by ``uploads_sweep``.
"""

from __future__ import annotations

import errno
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from common.errors import Conflict, DomainError, InvalidInput, StorageFull, StorageUnavailable, TooLarge
from datasets.models import Asset, Dataset, Upload
from datasets.services.assets import asset_create_from_file
from datasets.services.purge import storage_purge
from datasets.services.storage import copy_stored, safe_name

log = logging.getLogger(__name__)
MAX_CHUNK_BYTES = 64 * 1024 * 1024
CHUNKS_AREA = "uploads/chunks/"
# An unfinished upload nobody appended to for this long is given up (the CLI then starts anew).
KEEP_UNFINISHED = timedelta(days=7)
# What a storage backend raises when it cannot take or give back an object (local disk, S3).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


def chunk_prefix(upload_id: object) -> str:
    return f"{CHUNKS_AREA}{upload_id}/"


def _chunk_key(upload_id: object, offset: int) -> str:
    return f"{chunk_prefix(upload_id)}{offset:016d}"


def upload_create(*, dataset: Dataset, filename: str, size: int, user: User) -> Upload:
    """Open an upload of ``size`` bytes; 413 past the media size limit."""
    if size <= 0:
        raise InvalidInput("'size' must be a positive number of bytes.", field="size")
    if size > settings.TANDEM_MAX_UPLOAD_BYTES:
        raise TooLarge(f"'{filename}' is {size} bytes; the limit is {settings.TANDEM_MAX_UPLOAD_BYTES}.")
    upload = Upload(dataset=dataset, filename=safe_name(filename)[:255], size=size, created_by=user)
    upload.temp_path = chunk_prefix(upload.id)  # where its chunks are kept, in the default storage
    upload.save()
    return upload


def upload_append(*, upload: Upload, offset: int, chunks: Iterator[bytes], length: int, user: User) -> Upload:
    """Append one chunk at ``offset``; the chunk that completes the file creates the asset."""
    if length <= 0 or length > MAX_CHUNK_BYTES:
        raise InvalidInput(f"A chunk must be 1 to {MAX_CHUNK_BYTES} bytes (Content-Length).")
    with transaction.atomic():
        locked = Upload.objects.select_for_update().filter(pk=upload.pk).first()
        if locked is None:  # given up by the sweep since the request looked it up
            raise Http404
        if locked.asset_id is not None:
            raise Conflict("This upload is complete.", offset=locked.received)
        if offset != locked.received:
            raise Conflict(f"Upload-Offset {offset} does not match the server's offset {locked.received}.",
                           offset=locked.received)
        if offset + length > locked.size:
            raise InvalidInput(f"The chunk would end at byte {offset + length}, past the declared size {locked.size}.")
        with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            written = _receive(chunks, body, length, offset)
            if written != length:
                # A short or long body is not kept: the next try starts again at the same offset.
                raise InvalidInput(f"Received {written} bytes where Content-Length said {length}.", offset=offset)
            _save_chunk(_chunk_key(locked.pk, offset), body, offset)
        locked.received = offset + length
        locked.save(update_fields=["received", "updated_at"])
        if locked.received == locked.size:
            locked.asset = _finish(locked, user, resend_from=offset)
            locked.save(update_fields=["asset", "updated_at"])
    return locked


def _receive(chunks: Iterator[bytes], body: IO[bytes], length: int, offset: int) -> int:
    """Copy the request body into ``body``, stopping one byte past ``length``; returns what was read."""
    written = 0
    try:
        for chunk in chunks:
            written += len(chunk)
            if written > length:
                break
            body.write(chunk)
    except OSError as exc:
        raise _unkept(exc, offset) from exc
    return written


def _save_chunk(key: str, body: IO[bytes], offset: int) -> None:
    try:
        if default_storage.exists(key):  # left by a try whose transaction did not commit
            default_storage.delete(key)
        default_storage.save(key, File(body))
    except STORAGE_ERRORS as exc:
        _delete_quietly(key)
        raise _unkept(exc, offset) from exc


def _unkept(exc: Exception, offset: int) -> DomainError:
    """The answer to a chunk that could not be kept: the client sends it again from the same offset."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return StorageFull("The server's storage is full: the chunk was not kept.", offset=offset)
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    return StorageUnavailable(f"The chunk could not be written ({reason}).", offset=offset)


def _delete_quietly(key: str) -> None:
    try:
        if default_storage.exists(key):
            default_storage.delete(key)
    except STORAGE_ERRORS:
        log.warning("could not delete the partial chunk %s", key, exc_info=True)


def _finish(upload: Upload, user: User, resend_from: int) -> Asset:
    """The asset of the whole file; on failure the transaction rolls back to before the last chunk."""
    with tempfile.TemporaryFile() as whole:
        _assemble(upload, whole, resend_from)
        whole.seek(0)
        asset = asset_create_from_file(dataset=upload.dataset, fileobj=whole, name=upload.filename, user=user)
    prefix = chunk_prefix(upload.pk)
    transaction.on_commit(lambda: storage_purge([prefix]), robust=True)
    return asset


def _assemble(upload: Upload, whole: IO[bytes], resend_from: int) -> None:
    """Stream the chunks, in offset order, into ``whole``; each must hold exactly the bytes up to the next."""
    try:
        names = default_storage.listdir(chunk_prefix(upload.pk))[1]
    except FileNotFoundError:
        names = []
    offsets = sorted(int(name) for name in names if name.isdigit())
    if not offsets or offsets[0] != 0:
        raise StorageUnavailable("The chunks of this upload are missing from storage; start the upload again.")
    for start, end in zip(offsets, [*offsets[1:], upload.size], strict=True):
        try:
            copied = copy_stored(_chunk_key(upload.pk, start), whole)
        except STORAGE_ERRORS as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise StorageFull("The server's temporary disk is full: the upload could not be assembled; "
                                  "send the last chunk again later.", offset=resend_from) from exc
            raise StorageUnavailable(f"The chunk at byte {start} could not be read back ({exc}); "
                                     "send the last chunk again.", offset=resend_from) from exc
        if copied != end - start:
            raise StorageUnavailable(f"Storage does not hold bytes {min(start + copied, end)} to {end} of this upload "
                                     "as they were sent; start the upload again.")


def uploads_sweep(*, now: datetime | None = None) -> int:
    """Forget unfinished uploads idle past ``KEEP_UNFINISHED``; delete chunks no unfinished upload owns.

    The folders are listed before the uploads still in progress are read, so a folder that appears
    meanwhile belongs to an upload the second read sees. Returns the number of folders deleted.
    """
    cutoff = (now or timezone.now()) - KEEP_UNFINISHED
    Upload.objects.filter(asset__isnull=True, updated_at__lt=cutoff).delete()
    try:
        folders = default_storage.listdir(CHUNKS_AREA)[0]
    except FileNotFoundError:
        return 0
    live = {str(pk) for pk in Upload.objects.filter(asset__isnull=True).values_list("pk", flat=True)}
    orphans = [chunk_prefix(folder) for folder in folders if folder not in live]
    storage_purge(orphans)
    return len(orphans)
