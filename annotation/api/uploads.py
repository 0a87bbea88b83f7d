"""Resumable uploads over REST (managers of the project only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Role
from annotation.policy import actor, project_for, upload_for
from common.errors import InvalidInput
from common.schema import DetailSerializer
from datasets.api.serializers import AssetSerializer
from datasets.models import Upload
from datasets.services.uploads import upload_append, upload_create

READ_CHUNK = 1024 * 1024

_UPLOAD = inline_serializer("Upload", {
    "id": serializers.UUIDField(), "filename": serializers.CharField(), "size": serializers.IntegerField(),
    "offset": serializers.IntegerField(), "url": serializers.CharField(),
    "asset": AssetSerializer(allow_null=True),
})


class UploadCreateSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1)


def _payload(upload: Upload) -> dict[str, Any]:
    return {"id": str(upload.id), "filename": upload.filename, "size": upload.size, "offset": upload.received,
            "url": f"/api/uploads/{upload.id}/",
            "asset": AssetSerializer(upload.asset).data if upload.asset is not None else None}


class UploadCreateView(APIView):
    @extend_schema(request=UploadCreateSerializer, responses={201: _UPLOAD},
                   summary="Start a resumable upload; then PATCH chunks to its url")
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        serializer = UploadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = upload_create(dataset=project.dataset, filename=serializer.validated_data["filename"],
                               size=serializer.validated_data["size"], user=actor(request))
        response = Response(_payload(upload), status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/uploads/{upload.id}/"
        response["Upload-Offset"] = "0"
        return response


class UploadView(APIView):
    parser_classes: list[Any] = []  # the body is raw bytes, read in chunks below

    @extend_schema(responses=_UPLOAD, summary="The upload's current offset (resume from here)")
    def get(self, request: Request, pk: str) -> Response:
        upload = upload_for(request.user, pk)
        response = Response(_payload(upload))
        response["Upload-Offset"] = str(upload.received)
        return response

    @extend_schema(
        request={"application/offset+octet-stream": bytes},
        parameters=[OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True)],
        responses={200: _UPLOAD, 409: DetailSerializer},
        summary="Append a chunk at Upload-Offset; the last chunk creates the asset",
    )
    def patch(self, request: Request, pk: str) -> Response:
        upload = upload_for(request.user, pk)
        try:
            offset = int(request.headers.get("Upload-Offset", ""))
            length = int(request.headers.get("Content-Length", ""))
        except ValueError:
            raise InvalidInput("Send integer Upload-Offset and Content-Length headers.") from None
        upload = upload_append(upload=upload, offset=offset, chunks=_body(request, length), length=length,
                               user=actor(request))
        response = Response(_payload(upload))
        response["Upload-Offset"] = str(upload.received)
        return response


def _body(request: Request, length: int) -> Iterator[bytes]:
    raw = request._request
    remaining = length
    while remaining > 0:
        chunk = raw.read(min(READ_CHUNK, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk
    extra = raw.read(1)
    if extra:
        yield extra
