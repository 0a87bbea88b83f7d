"""Storage keys and streaming copies into django-storages (local or S3)."""

from __future__ import annotations

import errno
import hashlib
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO

from django.core.files.base import File
from django.core.files.storage import default_storage

from common.errors import InvalidInput, StorageFull, StorageUnavailable

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
CHUNK = 1024 * 1024


def safe_name(name: str) -> str:
    """A file name reduced to a safe basename: no directories, no traversal, no control characters."""
    base = unicodedata.normalize("NFKD", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip("._") or "file"
    return base[-120:]


def check_key(key: str) -> str:
    """Refuse storage keys that climb out of the storage root or are absolute."""
    if not key or key.startswith(("/", "\\")) or "\x00" in key:
        raise InvalidInput(f"Invalid storage key {key!r}.", field="key")
    parts = key.replace("\\", "/").split("/")
    if any(part in ("..", "") for part in parts):
        raise InvalidInput(f"Invalid storage key {key!r}: no '..' or empty parts.", field="key")
    return key


def asset_key(dataset_id: int, sha256: str, name: str) -> str:
    return f"datasets/{dataset_id}/assets/{sha256[:2]}/{sha256}/{safe_name(name)}"


def hash_file(fileobj: IO[bytes]) -> tuple[str, int]:
    """sha256 and size of a file object, read in chunks, then rewound."""
    digest = hashlib.sha256()
    size = 0
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return digest.hexdigest(), size


def store(fileobj: IO[bytes], key: str, size: int) -> str:
    """Save ``size`` bytes to storage under ``key`` (which names their content hash).

    A file already at the key with the same size is that content and is kept; one of another size
    is what a failed write left behind and is replaced. A failed write removes what it left and
    raises StorageFull (507) or StorageUnavailable (503): nothing half-written stays visible.
    """
    if default_storage.exists(key):
        if default_storage.size(key) == size:
            return key
        default_storage.delete(key)
    try:
        return default_storage.save(key, File(fileobj))
    except OSError as exc:
        _delete_quietly(key)
        if exc.errno == errno.ENOSPC:
            raise StorageFull("Storage is full: the file was not kept. Try again once space is freed.") from exc
        raise StorageUnavailable(f"Storage could not write the file ({exc.strerror or exc}); nothing was kept. "
                                 "Try again.") from exc


def _delete_quietly(key: str) -> None:
    try:
        if default_storage.exists(key):
            default_storage.delete(key)
    except OSError:
        pass


def iter_range(key: str, start: int, end: int) -> Iterable[bytes]:
    """Yield bytes ``start..end`` (inclusive) of a stored file in chunks."""
    with default_storage.open(key, "rb") as fh:
        fh.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


class _Appender:
    """A sink with ``write`` alone: boto3 then writes an object's parts in order where ``dst`` stands,
    rather than seeking to each part's offset in the object (which would overwrite ``dst`` from 0)."""

    def __init__(self, dst: IO[bytes]) -> None:
        self.dst, self.written = dst, 0

    def write(self, data: bytes) -> int:
        self.dst.write(data)
        self.written += len(data)
        return len(data)


def copy_stored(key: str, dst: IO[bytes]) -> int:
    """Append the stored file ``key`` to ``dst`` in chunks; returns the number of bytes copied.

    On S3 the object streams in parts straight into ``dst``: reading an S3File would first buffer
    the whole object in memory.
    """
    sink = _Appender(dst)
    with default_storage.open(key, "rb") as src:
        s3_object = getattr(src, "obj", None)
        if s3_object is not None:
            s3_object.download_fileobj(sink)
        else:
            shutil.copyfileobj(src, sink, CHUNK)
    return sink.written


@contextmanager
def opened_locally(key: str) -> Iterator[IO[bytes]]:
    """The stored file ``key`` as a local, seekable file: itself on local storage, a temporary copy on S3."""
    try:
        path = default_storage.path(key)
    except NotImplementedError:
        with tempfile.TemporaryFile() as tmp:
            copy_stored(key, tmp)
            tmp.seek(0)
            yield tmp
        return
    with open(path, "rb") as fh:
        yield fh
