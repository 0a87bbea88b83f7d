"""Assets: storing uploads, state transitions, queuing processing."""

from __future__ import annotations

from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage

from common.dispatch import enqueue_on_commit
from common.errors import InvalidInput, TooLarge, UnsupportedMedia
from common.jobs import RowKind
from common.states import move_or_raise
from datasets.models import ASSET_TRANSITIONS, Asset, AssetKind, AssetStatus, Dataset
from datasets.services.scope import import_key_check
from datasets.services.storage import asset_key, hash_file, store

KNOWN_KINDS = {"video", "audio", "text", "image"}


def sniff_kind(fileobj: IO[bytes]) -> str:
    """Kind of a file from its first bytes (never from its name)."""
    from datasets.media.sniff import SNIFF_BYTES, sniff_bytes

    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    return sniff_bytes(head)


def readable_kind(fileobj: IO[bytes], name: str) -> str:
    """The kind of an uploaded file, or the error that refuses it (too large, empty, or of no kind we read)."""
    size = getattr(fileobj, "size", None)
    if size is not None and size > settings.TANDEM_MAX_UPLOAD_BYTES:
        raise TooLarge(f"'{name}' is {size} bytes; the limit is {settings.TANDEM_MAX_UPLOAD_BYTES}.")
    fileobj.seek(0)
    if not fileobj.read(1):
        raise InvalidInput(f"'{name}' is empty.")
    kind = sniff_kind(fileobj)
    if kind not in KNOWN_KINDS:
        raise UnsupportedMedia(f"'{name}' is not a video, audio, image or UTF-8 text file we can read.")
    return kind


def asset_create_from_file(
    *, dataset: Dataset, fileobj: IO[bytes], name: str, user: User | None, queue: bool = True
) -> Asset:
    """Store an uploaded file (streamed in chunks) and create its asset row; 413/415 on bad input."""
    kind = readable_kind(fileobj, name)
    sha256, size = hash_file(fileobj)
    meta: dict[str, object] = {}
    status = AssetStatus.PENDING
    if kind == AssetKind.TEXT:
        # Text needs no background work: count characters now so spans can be checked at once.
        try:
            meta = {"kind": "text", "chars": len(fileobj.read().decode("utf-8"))}
        except UnicodeDecodeError as exc:
            raise UnsupportedMedia(f"'{name}' is not valid UTF-8 text (bad byte at offset {exc.start}).") from exc
        finally:
            fileobj.seek(0)
        status = AssetStatus.READY
    from datasets.media.sniff import name_mismatch

    mismatch = name_mismatch(name, kind)
    if mismatch:
        # The content decides the kind; the name's other claim is kept where the manager sees it.
        meta["warnings"] = [f"{mismatch}; it was imported as {kind}"]
    key = store(fileobj, asset_key(dataset.pk, sha256, name), size)
    asset = Asset.objects.create(
        dataset=dataset, kind=kind, storage_key=key, original_name=name[:255], size=size, sha256=sha256,
        created_by=user, meta=meta, status=status,
    )
    if queue and status == AssetStatus.PENDING:
        asset_queue_processing(asset)
    return asset


def asset_create_from_key(*, dataset: Dataset, key: str, user: User | None) -> Asset:
    """An asset for an object under the dataset's import source; probed by the worker.

    The key is checked against the import source before storage is asked whether it exists.
    """
    import_key_check(dataset, key, "stream")
    if not default_storage.exists(key):
        raise InvalidInput(f"No file at storage key '{key}'.", field="key")
    asset = Asset.objects.create(
        dataset=dataset,
        kind=AssetKind.UNKNOWN,
        storage_key=key,
        original_name=key.rsplit("/", 1)[-1][:255],
        size=default_storage.size(key),
        created_by=user,
    )
    asset_queue_processing(asset)
    return asset


ASSET_JOB = RowKind(name="asset", model=Asset, transitions=ASSET_TRANSITIONS, task_name="datasets.tasks.process_asset",
                    waiting=AssetStatus.PENDING, active=AssetStatus.PROCESSING, failed=AssetStatus.FAILED)


def asset_queue_processing(asset: Asset) -> None:
    enqueue_on_commit("datasets.tasks.process_asset", asset.pk)


def asset_set_status(asset: Asset, status: str, **fields: Any) -> None:
    """Move an asset along ASSET_TRANSITIONS in one conditional UPDATE (409 if not allowed from its state)."""
    move_or_raise(Asset, asset.pk, machine="asset", transitions=ASSET_TRANSITIONS, target=status, **fields)
    asset.refresh_from_db(fields=["status", *fields, "updated_at"])
