"""Storage keys and streaming copies into django-storages (local or S3)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from typing import IO

from django.core.files.base import File
from django.core.files.storage import default_storage

from common.errors import InvalidInput

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


def store(fileobj: IO[bytes], key: str) -> str:
    """Save to storage under ``key`` unless identical content is already there."""
    if default_storage.exists(key):
        return key
    return default_storage.save(key, File(fileobj))


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
