"""Asset status and media bytes, waveform, shots and frames: all behind a project check.

These views live here rather than in datasets/ because who may read an asset is decided by
project membership, which datasets/ does not know about.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api.serializers_media import (
    FramesSerializer,
    ShotsSerializer,
    StreamOffsetAnswerSerializer,
    WaveformJsonSerializer,
)
from annotation.policy import actor, asset_for, item_for, stream_for
from common.errors import Conflict, InvalidInput
from common.schema import DetailSerializer
from datasets.api.ranges import media_response
from datasets.api.serializers import AssetSerializer, asset_fps
from datasets.models import Asset, AssetStatus, DerivedMedia
from datasets.services.derived import derived_latest
from datasets.services.streams import stream_set_offset
from datasets.services.sync import asset_has_audio, item_sync_check


def _derived(asset: Asset, kind: str) -> DerivedMedia:
    derived = derived_latest(asset, kind)
    if derived is None:
        if asset.status == AssetStatus.FAILED:
            raise Conflict(f"Processing failed: {asset.error}", status=asset.status)
        raise Conflict("Not ready yet: the asset is still being processed.", status=asset.status, progress=asset.progress)
    return derived


def _read(derived: DerivedMedia, name: str) -> bytes:
    with default_storage.open(derived.storage_prefix + name, "rb") as fh:
        return bytes(fh.read())


class AssetDetailView(APIView):
    @extend_schema(responses=AssetSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(AssetSerializer(asset_for(request.user, pk)).data)


class AssetMediaView(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): bytes, (206, "application/octet-stream"): bytes},
        parameters=[OpenApiParameter("proxy", bool, description="the browser-playable proxy when one was made")],
        summary="Media bytes (HTTP Range supported)",
    )
    def get(self, request: Request, pk: int) -> HttpResponse | StreamingHttpResponse:
        asset = asset_for(request.user, pk)
        if asset.meta.get("media_deleted_at"):
            raise NotFound("This asset's media was deleted at the end of its retention period.")
        key, size, name = asset.storage_key, asset.size, asset.original_name or asset.storage_key
        proxy = derived_latest(asset, DerivedMedia.Kind.PROXY)
        if proxy is not None and proxy.manifest.get("file") and request.query_params.get("original") != "1":
            key = proxy.storage_prefix + proxy.manifest["file"]
            size = default_storage.size(key)
            name = proxy.manifest["file"]
        if _is_remote():
            # S3: a short-lived signed URL; the bytes never pass through the web process.
            return HttpResponseRedirect(default_storage.url(key))
        return media_response(request._request, key, size, name)


def _is_remote() -> bool:
    from django.conf import settings

    return bool(settings.STORAGE_BACKEND == "s3")


class DatRenderer(BaseRenderer):
    """Lets ``?format=dat`` through content negotiation; the view writes the bytes itself."""

    media_type = "application/octet-stream"
    format = "dat"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class WaveformView(APIView):
    renderer_classes = [JSONRenderer, DatRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("level", int, description="samples per pixel; one of the asset's waveform_levels"),
            OpenApiParameter("format", str, enum=["json", "dat"]),
            OpenApiParameter("bits", int, enum=[8, 16], description="JSON sample resolution (default 8, what peaks.js draws)"),
        ],
        responses={(200, "application/json"): WaveformJsonSerializer, (200, "application/octet-stream"): bytes},
        summary="Waveform peaks in the audiowaveform .dat v2 or waveform-data.js JSON format",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        asset = asset_for(request.user, pk)
        if asset.status == AssetStatus.READY and not asset_has_audio(asset):
            raise NotFound("This asset has no audio.")
        derived = _derived(asset, DerivedMedia.Kind.WAVEFORM)
        files = {str(lv["samples_per_pixel"]): lv["file"] for lv in derived.manifest.get("levels", [])}
        levels = sorted(int(k) for k in files)
        raw_level = request.query_params.get("level", str(levels[-1]) if levels else "")
        try:
            level = int(raw_level)
        except ValueError:
            raise InvalidInput("'level' must be an integer (samples per pixel).", field="level") from None
        if str(level) not in files:
            raise InvalidInput(f"No waveform at level {level}; available: {levels}.", field="level", levels=levels)
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "dat"):
            raise InvalidInput("'format' must be 'json' or 'dat'.", field="format")
        data = _read(derived, files[str(level)])
        if fmt == "dat":
            response = HttpResponse(data, content_type="application/octet-stream")
        else:
            from datasets.media.waveform import dat_to_json

            payload = dat_to_json(data)
            if request.query_params.get("bits", "8") == "8" and payload.get("bits") == 16:
                # peaks.js draws 8-bit data only; halving the resolution is invisible at screen height.
                payload = {**payload, "bits": 8, "data": [v >> 8 for v in payload["data"]]}
            response = HttpResponse(json.dumps(payload, separators=(",", ":")), content_type="application/json")
        response["Cache-Control"] = "private, max-age=86400"
        return response


class ShotsView(APIView):
    @extend_schema(responses=ShotsSerializer, summary="Shot boundaries, keyframe times and filmstrip sprites")
    def get(self, request: Request, pk: int) -> Response:
        asset = asset_for(request.user, pk)
        derived = _derived(asset, DerivedMedia.Kind.VIDEO)
        manifest = derived.manifest
        base = f"/api/assets/{asset.pk}/derived/{derived.pk}/"
        shots = [
            {**{k: v for k, v in shot.items() if k != "thumb"}, "thumb_url": base + shot["thumb"] if shot.get("thumb") else None}
            for shot in manifest.get("shots", [])
        ]
        filmstrips = [
            {**{k: v for k, v in strip.items() if k != "sprites"}, "sprites": [base + f for f in strip.get("sprites", [])]}
            for strip in manifest.get("filmstrips", [])
        ]
        return Response({"shots": shots, "keyframes_ms": manifest.get("keyframes_ms", []), "filmstrips": filmstrips})


class FramesView(APIView):
    @extend_schema(responses=FramesSerializer, summary="Real presentation timestamps (ms) of every video frame")
    def get(self, request: Request, pk: int) -> HttpResponse:
        asset = asset_for(request.user, pk)
        derived = _derived(asset, DerivedMedia.Kind.VIDEO)
        frames = orjson.loads(_read(derived, derived.manifest["frames_file"]))
        # One frame rate for the asset: the probe's, which the asset's own answer gives too (index
        # files written before the analysis read it correctly hold null or garbage there).
        frames["fps"] = asset_fps(asset) or frames.get("fps")
        response = HttpResponse(orjson.dumps(frames), content_type="application/json")
        response["Cache-Control"] = "private, max-age=86400"
        return response


def _manifest_files(manifest: dict[str, Any]) -> set[str]:
    """The image files an artifact lists: shot thumbnails and filmstrip sprites."""
    thumbs = {shot["thumb"] for shot in manifest.get("shots", []) if shot.get("thumb")}
    sprites = {name for strip in manifest.get("filmstrips", []) for name in strip.get("sprites", [])}
    return thumbs | sprites


class DerivedFileView(APIView):
    @extend_schema(responses={(200, "image/jpeg"): bytes}, summary="A thumbnail or filmstrip sprite")
    def get(self, request: Request, pk: int, derived_id: int, name: str) -> HttpResponse:
        asset = asset_for(request.user, pk)
        derived = DerivedMedia.objects.filter(pk=derived_id, asset=asset).first()
        if derived is None or name not in _manifest_files(derived.manifest):
            raise Http404
        response = HttpResponse(_read(derived, name), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=86400"
        return response


class StreamOffsetSerializer(serializers.Serializer):
    offset_ms = serializers.IntegerField(required=False, min_value=-86_400_000, max_value=86_400_000)
    accept_proposed = serializers.BooleanField(required=False, default=False)


class StreamOffsetView(APIView):
    @extend_schema(request=StreamOffsetSerializer, responses=StreamOffsetAnswerSerializer,
                   summary="Confirm the proposed offset of a stream, or set one (managers)")
    def patch(self, request: Request, pk: int) -> Response:
        stream, project = stream_for(request.user, pk)
        serializer = StreamOffsetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stream = stream_set_offset(stream=stream, user=actor(request), project_id=project.pk,
                                   offset_ms=serializer.validated_data.get("offset_ms"),
                                   accept_proposed=serializer.validated_data["accept_proposed"])
        return Response(StreamOffsetAnswerSerializer(stream).data)


_SYNC_QUEUED = inline_serializer("SyncCheckQueued", {
    "item": serializers.IntegerField(), "status": serializers.CharField(),
    "reference": inline_serializer("SyncReference", {"id": serializers.IntegerField(), "role": serializers.CharField()}),
    "streams": inline_serializer("SyncStream", {"id": serializers.IntegerField(), "role": serializers.CharField()},
                                 many=True),
})


class ItemSyncCheckView(APIView):
    @extend_schema(request=None, responses={202: _SYNC_QUEUED, 409: DetailSerializer},
                   summary="Check the sync of an item's audio streams again (managers); proposals follow")
    def post(self, request: Request, pk: int) -> Response:
        item, _ = item_for(request.user, pk)
        return Response(item_sync_check(item=item), status=status.HTTP_202_ACCEPTED)
