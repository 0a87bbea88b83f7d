from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from rest_framework import serializers

from common.dispatch import is_pending
from datasets.models import Asset, AssetKind, AssetStatus, Item, Stream

TEXT_INLINE_LIMIT = 2_000_000


def _video_meta(asset: Asset) -> dict[str, Any]:
    for s in asset.meta.get("streams", []):
        if s.get("type") == "video" or s.get("kind") == "video":
            return dict(s)
    return {}


def asset_fps(asset: Asset) -> float | None:
    """The frame rate the probe found in the asset's video stream (None without video)."""
    fps = _video_meta(asset).get("fps")
    return float(fps) if fps else None


class AssetSerializer(serializers.ModelSerializer):
    duration_ms = serializers.SerializerMethodField()
    fps = serializers.SerializerMethodField()
    width = serializers.SerializerMethodField()
    height = serializers.SerializerMethodField()
    waveform_levels = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()
    waveform_url = serializers.SerializerMethodField()
    shots_url = serializers.SerializerMethodField()
    frames_url = serializers.SerializerMethodField()
    delayed = serializers.SerializerMethodField(help_text="processing waits for the job broker to come back")
    warnings = serializers.SerializerMethodField(help_text="where the file's name and its content disagree")

    class Meta:
        model = Asset
        fields = ["id", "kind", "status", "error", "progress", "original_name", "size", "sha256", "meta",
                  "duration_ms", "fps", "width", "height", "waveform_levels",
                  "media_url", "waveform_url", "shots_url", "frames_url", "delayed", "warnings", "created_at"]

    def _video(self, obj: Asset) -> dict[str, Any]:
        return _video_meta(obj)

    def get_duration_ms(self, obj: Asset) -> int | None:
        return obj.duration_ms

    def get_fps(self, obj: Asset) -> float | None:
        return asset_fps(obj)

    def get_width(self, obj: Asset) -> int | None:
        return self._video(obj).get("width")

    def get_height(self, obj: Asset) -> int | None:
        return self._video(obj).get("height")

    def get_waveform_levels(self, obj: Asset) -> list[int]:
        return list(obj.meta.get("waveform_levels", []))

    def get_warnings(self, obj: Asset) -> list[str]:
        return [str(w) for w in obj.meta.get("warnings", [])]

    def get_delayed(self, obj: Asset) -> bool:
        return obj.status == AssetStatus.PENDING and is_pending("datasets.tasks.process_asset", obj.pk)

    def get_media_url(self, obj: Asset) -> str:
        return f"/api/assets/{obj.pk}/media"

    def get_waveform_url(self, obj: Asset) -> str | None:
        return f"/api/assets/{obj.pk}/waveform/" if obj.kind in (AssetKind.AUDIO, AssetKind.VIDEO) else None

    def get_shots_url(self, obj: Asset) -> str | None:
        return f"/api/assets/{obj.pk}/shots/" if obj.kind == AssetKind.VIDEO else None

    def get_frames_url(self, obj: Asset) -> str | None:
        return f"/api/assets/{obj.pk}/frames/" if obj.kind == AssetKind.VIDEO else None


class StreamSerializer(serializers.ModelSerializer):
    asset = AssetSerializer()
    kind = serializers.CharField(source="asset.kind")
    text = serializers.SerializerMethodField()

    class Meta:
        model = Stream
        fields = ["id", "role", "kind", "offset_ms", "proposed_offset_ms", "offset_confidence", "asset", "text"]

    def get_text(self, obj: Stream) -> str | None:
        if obj.asset.kind != AssetKind.TEXT or obj.asset.size > TEXT_INLINE_LIMIT:
            return None
        with default_storage.open(obj.asset.storage_key, "rb") as fh:
            return str(fh.read().decode("utf-8", errors="replace"))


class ItemSerializer(serializers.ModelSerializer):
    streams = StreamSerializer(many=True)

    class Meta:
        model = Item
        fields = ["id", "external_id", "duration_ms", "provenance", "metadata", "streams"]
