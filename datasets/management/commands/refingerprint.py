"""Recompute perceptual hashes made by an older fingerprint algorithm, and link the duplicates they reveal.

Hashes of different versions are never compared (``datasets.services.duplicates``), so after the
algorithm changes an asset hashed before is invisible to the near-duplicate search until it is
hashed again. Assets are read one at a time, each file through the media worker's own local copy,
and one that cannot be read is reported and skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from datasets.media.fingerprint import FINGERPRINT_VERSIONS, fingerprint
from datasets.models import Asset, AssetStatus, Dataset
from datasets.services.duplicates import asset_mark_duplicate
from datasets.tasks import local_copy

BATCH = 500  # ids fetched per query; the assets themselves are loaded and hashed one by one


def stale_hashes(dataset_id: int | None = None) -> Iterator[Asset]:
    """Audio and video assets whose hash was made by another version than the current one, or that have
    none although ready; in id order, fetched a batch at a time so any number of assets streams by.

    Assets still waiting for or in the media worker are left to it (it stores the current version);
    assets whose media retention deleted have no file to hash.
    """
    stale = Q()
    for kind, version in FINGERPRINT_VERSIONS.items():
        stale |= Q(kind=kind) & (Q(perceptual_hash__isnull=False) & ~Q(perceptual_hash_version=version)
                                 | Q(perceptual_hash__isnull=True, status=AssetStatus.READY))
    rows = Asset.objects.filter(stale).exclude(status__in=[AssetStatus.PENDING, AssetStatus.PROCESSING]) \
        .exclude(meta__has_key="media_deleted_at")
    if dataset_id is not None:
        rows = rows.filter(dataset_id=dataset_id)
    last = 0
    while True:
        ids = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        for pk in ids:
            asset = Asset.objects.filter(pk=pk).first()
            if asset is not None:
                yield asset
        if len(ids) < BATCH:
            return
        last = ids[-1]


def _link(asset: Asset) -> str:
    if asset.duplicate_of_id is None:
        return "no duplicate"
    if asset.duplicate_kind == "exact":
        return f"exact duplicate of {asset.duplicate_of_id}"
    return f"near duplicate of {asset.duplicate_of_id} ({asset.duplicate_distance} bits)"


def asset_rehash(asset: Asset) -> None:
    """Hash the asset's file with the current algorithm, store hash and version, and mark its duplicate.

    Raises what reading the file raises; the row is then left as it was.
    """
    has_audio = any(s.get("type") == "audio" for s in asset.meta.get("streams", []))
    with local_copy(asset) as path:
        value = fingerprint(path, asset.kind, has_audio)
    asset.perceptual_hash = value
    asset.perceptual_hash_version = FINGERPRINT_VERSIONS[asset.kind] if value is not None else ""
    asset_mark_duplicate(asset)
    # Assets linked to this one's old hash were compared with a hash that is gone (or, before versions
    # were stored, across versions): their link is judged again against the new one.
    for other in Asset.objects.filter(duplicate_of=asset, duplicate_kind="near").exclude(pk=asset.pk):
        asset_mark_duplicate(other)


class Command(BaseCommand):
    help = ("Recompute the perceptual hash of audio and video assets hashed by an older fingerprint version "
            "(or not at all although ready) and link the near duplicates found; one line per asset.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", type=int, default=None, metavar="ID", help="only this dataset's assets")
        parser.add_argument("--dry-run", action="store_true", help="list the assets, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dataset_id = options["dataset"]
        if dataset_id is not None and not Dataset.objects.filter(pk=dataset_id).exists():
            raise CommandError(f"no dataset {dataset_id}")
        dry = options["dry_run"]
        done = failed = 0
        for asset in stale_hashes(dataset_id):
            current = FINGERPRINT_VERSIONS[asset.kind]
            head = f"asset {asset.pk} {asset.kind} v{asset.perceptual_hash_version or '-'} -> v{current}"
            if dry:
                self.stdout.write(f"{head}: would rehash")
                done += 1
                continue
            # A file gone from storage is named as such, not as whatever the decoder says of a missing path.
            if not default_storage.exists(asset.storage_key):
                self.stdout.write(f"{head}: failed: missing file {asset.storage_key}")
                failed += 1
                continue
            try:
                asset_rehash(asset)
            except Exception as exc:  # a broken file must not stop the others
                self.stdout.write(f"{head}: failed: {type(exc).__name__}: {exc}")
                failed += 1
                continue
            done += 1
            asset.refresh_from_db()
            hashed = "no hash" if asset.perceptual_hash is None else _link(asset)
            self.stdout.write(f"{head}: {hashed}")
        if dry:
            self.stdout.write(f"assets to rehash: {done}")
        else:
            self.stdout.write(f"assets rehashed: {done}, failed: {failed}")
