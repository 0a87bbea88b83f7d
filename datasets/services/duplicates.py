"""Duplicate media at import: the same bytes (content hash) or the same content re-encoded (perceptual hash).

The media worker hashes every audio and video asset once it is probed and points it at the
earliest other asset of its dataset that repeats it, so the audit lists the pair and the same
recording is not split across train and test unnoticed.
"""

from __future__ import annotations

from django.db import connection

from datasets.media.fingerprint import NEAR_BITS
from datasets.models import Asset


def _nearest(asset: Asset) -> tuple[int, int] | None:
    """The most similar other asset of the same dataset, kind and hash version within NEAR_BITS, as (id, distance).

    Hashes made by different versions of the algorithm are unrelated bit patterns: compared, they
    would link unrelated files or miss real copies. A hash of unknown version is compared with none.
    """
    if asset.perceptual_hash is None or not asset.perceptual_hash_version:
        return None
    if connection.vendor != "postgresql":
        from datasets.media.fingerprint import hamming

        rows = Asset.objects.filter(dataset_id=asset.dataset_id, kind=asset.kind, perceptual_hash__isnull=False,
                                    perceptual_hash_version=asset.perceptual_hash_version) \
            .exclude(pk=asset.pk).values_list("pk", "perceptual_hash")
        found = sorted((hamming(asset.perceptual_hash, h), pk) for pk, h in rows if h is not None)
        return (found[0][1], found[0][0]) if found and found[0][0] <= NEAR_BITS else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT id, d FROM (
                    SELECT id, bit_count(CAST(perceptual_hash # %s AS bit(64))) AS d
                    FROM {Asset._meta.db_table}
                    WHERE dataset_id = %s AND kind = %s AND perceptual_hash IS NOT NULL
                      AND perceptual_hash_version = %s AND id <> %s) near
                WHERE d <= %s ORDER BY d, id LIMIT 1""",
            [asset.perceptual_hash, asset.dataset_id, asset.kind, asset.perceptual_hash_version, asset.pk, NEAR_BITS])
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def asset_mark_duplicate(asset: Asset) -> None:
    """Point the asset at the asset it repeats: the same sha256 first (exact), else the nearest hash."""
    exact = None
    if asset.sha256:
        exact = Asset.objects.filter(dataset_id=asset.dataset_id, sha256=asset.sha256).exclude(pk=asset.pk) \
            .order_by("pk").values_list("pk", flat=True).first()
    fields: dict[str, object] = {"duplicate_of_id": None, "duplicate_kind": "", "duplicate_distance": None}
    if exact is not None:
        fields = {"duplicate_of_id": exact, "duplicate_kind": "exact", "duplicate_distance": 0}
    else:
        near = _nearest(asset)
        if near is not None:
            fields = {"duplicate_of_id": near[0], "duplicate_kind": "near", "duplicate_distance": near[1]}
    Asset.objects.filter(pk=asset.pk).update(perceptual_hash=asset.perceptual_hash,
                                             perceptual_hash_version=asset.perceptual_hash_version, **fields)
    for name, value in fields.items():
        setattr(asset, name, value)
