"""Stored media and the multimodal items built from it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from common.models import Claimable, TimeStamped


class Dataset(TimeStamped):
    name = models.CharField(max_length=200)
    # The storage prefix (e.g. "imports/team-a/") that manifest `key` streams may name; empty: none
    # (datasets/services/scope.py holds the rule and the key layout).
    import_source = models.CharField(max_length=500, blank=True, default="")

    def __str__(self) -> str:
        return self.name


class AssetKind(models.TextChoices):
    VIDEO = "video"
    AUDIO = "audio"
    TEXT = "text"
    IMAGE = "image"
    UNKNOWN = "unknown"


class AssetStatus(models.TextChoices):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


# pending → pending re-sends a lost job; processing → processing is a new worker claiming an asset
# whose worker died; processing → pending hands it back (a retry, the reaper). Processing again
# after ready or failed starts from pending, so only a waiting asset is ever claimed.
ASSET_TRANSITIONS = {
    "pending": frozenset({"pending", "processing", "failed"}),
    "processing": frozenset({"processing", "pending", "ready", "failed"}),
    "ready": frozenset({"pending"}),
    "failed": frozenset({"pending"}),
}


class Asset(TimeStamped, Claimable):
    """One stored file. ``meta`` holds the probe result (duration, streams, fps, sample rate…)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=16, choices=AssetKind.choices, default=AssetKind.UNKNOWN)
    storage_key = models.CharField(max_length=500)
    original_name = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    meta = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=AssetStatus.choices, default=AssetStatus.PENDING, db_index=True)
    error = models.TextField(blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # A 64-bit perceptual hash of the content (audio: band-energy fingerprint; video: keyframe
    # difference hash), and the earlier asset of the dataset this one repeats, exactly or nearly.
    perceptual_hash = models.BigIntegerField(null=True, blank=True)
    # The fingerprint algorithm's version that made the hash (``datasets.media.fingerprint``): only
    # hashes of the same kind and version are compared; ``manage.py refingerprint`` updates old ones.
    perceptual_hash_version = models.CharField(max_length=8, blank=True, default="")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_kind = models.CharField(max_length=8, blank=True, default="")
    duplicate_distance = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.original_name or self.storage_key

    @property
    def duration_ms(self) -> int | None:
        value = self.meta.get("duration_ms")
        return int(value) if value is not None else None


class DerivedMedia(TimeStamped):
    """An artifact computed from an asset: waveform pyramid, video analysis, proxy.

    ``code_version`` is the version of the algorithm that made it; a new version recomputes.
    Rows exist only for finished artifacts, written after the files are in place.
    """

    class Kind(models.TextChoices):
        WAVEFORM = "waveform"
        VIDEO = "video"
        PROXY = "proxy"
        FRAMES = "frames"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="derived")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code_version = models.CharField(max_length=32)
    storage_prefix = models.CharField(max_length=500)
    manifest = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "kind", "code_version"], name="derived_unique_version"),
        ]


class Item(TimeStamped):
    """One multimodal sample: several streams on one timeline."""

    # Imports write items 100,000 at a time and every index costs each of them: a dataset's items
    # and an item by external id are both found through ``item_dataset_external_idx``, the
    # provenance kind (two values) is only ever grouped over a dataset's items, and nothing looks
    # items up by creation time.
    created_at = models.DateTimeField(auto_now_add=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items", db_index=False)
    external_id = models.CharField(max_length=255, blank=True)
    duration_ms = models.BigIntegerField(null=True, blank=True)
    provenance = models.JSONField(default=dict, blank=True)
    provenance_kind = models.CharField(max_length=16, default="captured")
    metadata = models.JSONField(default=dict, blank=True)
    # Who consented to what ([{subject, scope, given_at}]), under which licence, and until when the
    # media may be kept (datasets/services/consent.py checks them; the retention job acts on the date).
    consent = models.JSONField(default=list, blank=True)
    licence = models.CharField(max_length=200, blank=True, default="")
    retention_until = models.DateField(null=True, blank=True)
    media_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["dataset", "external_id"], name="item_dataset_external_idx"),
            # The retention sweep looks only at items with a date; most have none, and an import of
            # such items then leaves this index alone.
            models.Index(fields=["retention_until"], condition=models.Q(retention_until__isnull=False),
                         name="item_retention_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id or f"item {self.pk}"


class Stream(models.Model):
    """An asset placed on an item's timeline with an offset (ms)."""

    # An item's streams are found through ``stream_unique_role`` (item first): no index of its own.
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="streams", db_index=False)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="streams")
    role = models.CharField(max_length=64)
    offset_ms = models.IntegerField(default=0)
    proposed_offset_ms = models.IntegerField(null=True, blank=True)
    offset_confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["item", "role"], name="stream_unique_role")]


class Upload(TimeStamped):
    """A chunked upload in progress: chunks append at ``received`` until ``size`` is reached."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="uploads")
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    temp_path = models.CharField(max_length=500)
    asset = models.OneToOneField(Asset, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
