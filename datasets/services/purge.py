"""Deleting a dataset's files: its media area, the derived files no other asset shares, extra prefixes.

The rows go in the caller's transaction; the files go after it commits, in a background task, so a
rolled-back deletion never loses a file. The task works from prefixes and asks the database again
before each deletion, so running it twice, or after new rows appeared, deletes only what no
remaining row refers to:

- a derived prefix (``derived/{sha256}/…``) is content-addressed and shared by every asset with
  the same bytes: it stays while any remaining asset has that sha256 or any derived row names it;
- any other file stays while a remaining asset's ``storage_key`` names it.

Objects under an import source are the operator's, not Tandem's: deleting a project never
deletes them (the project's assets only pointed at them).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction

from common.dispatch import enqueue_on_commit
from datasets.models import Asset, Dataset, DerivedMedia, Upload

log = logging.getLogger(__name__)
PREFIXES_PER_TASK = 1000
_CHUNK = 1000


def dataset_area(dataset_id: int) -> str:
    """The storage prefix every file uploaded into a dataset lives under."""
    return f"datasets/{dataset_id}/"


def dataset_delete(*, dataset: Dataset, also: Sequence[str] = ()) -> list[str]:
    """Delete the dataset's rows now and schedule its files (and the ``also`` prefixes) for deletion.

    Call inside the transaction that deletes the rows above the dataset (its project). Returns the
    prefixes scheduled.
    """
    derived = sorted(set(DerivedMedia.objects.filter(asset__dataset=dataset).values_list("storage_prefix", flat=True)))
    # An upload's temp_path is the storage prefix of its chunks (an absolute path: a file an older
    # version kept on this host's disk).
    partial_uploads = list(Upload.objects.filter(dataset=dataset).values_list("temp_path", flat=True))
    chunks = [path for path in partial_uploads if path.startswith("uploads/chunks/")]
    prefixes = [dataset_area(dataset.pk), *also, *derived, *chunks]
    dataset.delete()
    for start in range(0, len(prefixes), PREFIXES_PER_TASK):
        enqueue_on_commit("datasets.tasks.purge_storage", prefixes[start:start + PREFIXES_PER_TASK])
    transaction.on_commit(lambda: _remove_local([path for path in partial_uploads if os.path.isabs(path)]))
    return prefixes


def storage_purge(prefixes: Sequence[str]) -> int:
    """Delete the files under ``prefixes`` that no remaining row refers to; returns how many were deleted."""
    deleted = 0
    for prefix in prefixes:
        if prefix.startswith("derived/") and _derived_in_use(prefix):
            continue
        files = list(_walk(prefix))
        for start in range(0, len(files), _CHUNK):
            chunk = files[start:start + _CHUNK]
            kept = set(Asset.objects.filter(storage_key__in=chunk).values_list("storage_key", flat=True))
            for key in chunk:
                if key not in kept:
                    default_storage.delete(key)
                    deleted += 1
        _remove_empty_folders(prefix)
    return deleted


def _derived_in_use(prefix: str) -> bool:
    content = prefix.split("/")[1]
    return (DerivedMedia.objects.filter(storage_prefix=prefix).exists()
            or Asset.objects.filter(sha256=content).exists())


def _walk(prefix: str) -> Iterator[str]:
    """Every file key under ``prefix`` (a folder on local storage, a key prefix on S3)."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    base = prefix if prefix.endswith("/") else prefix + "/"
    for name in files:
        yield base + name
    for folder in folders:
        yield from _walk(base + folder + "/")


def _remove_empty_folders(prefix: str) -> None:
    """Local storage keeps empty folders after their files go; remove them (S3 has no folders)."""
    try:
        root = Path(default_storage.path(prefix))
    except NotImplementedError:
        return
    if not root.is_dir():
        return
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        with contextlib.suppress(OSError):
            os.rmdir(folder)  # fails, and stays, when the folder still holds a kept file
    storage_root = Path(default_storage.path(""))
    parent = root.parent
    while parent != storage_root and parent.is_relative_to(storage_root):
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


def _remove_local(paths: Sequence[str]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
