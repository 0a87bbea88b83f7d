"""Importing annotations from ELAN, Praat, WebVTT/SRT, Label Studio and Tandem files (managers only)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Role
from annotation.policy import actor, project_for
from annotation.services.annotation_imports import (
    TARGETS,
    Options,
    annotations_import,
    parse_mapping,
    plan,
    read_files,
    suggest_mapping,
)
from common.errors import InvalidInput, TooLarge

# One upload is read into memory to be parsed: a zip of annotation files, not of media.
MAX_FILE_BYTES = 200 * 1024 * 1024

_REQUEST = inline_serializer("AnnotationImportRequest", {
    "file": serializers.FileField(help_text="An .eaf, .TextGrid, .vtt, .srt, .json, .jsonl file, or a .zip of them"),
    "mapping": serializers.JSONField(required=False, help_text='{layer: {"track": name, "labels": {value: label}}}'),
    "as": serializers.ChoiceField(choices=TARGETS, required=False),
    "model": serializers.CharField(required=False), "annotator": serializers.CharField(required=False),
})


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def uploaded(request: Request) -> list[tuple[str, bytes]]:
    out = []
    for upload in request.FILES.getlist("file") + request.FILES.getlist("files"):
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise TooLarge(f"'{upload.name}' is {upload.size} bytes; an annotation import takes at most {MAX_FILE_BYTES}.")
        out.append((str(upload.name), upload.read()))
    return out


def annotator_named(project_id: int, username: Any) -> User | None:
    if username in (None, ""):
        return None
    user = User.objects.filter(username=str(username), memberships__project_id=project_id).first()
    if user is None:
        raise InvalidInput(f"'{username}' is not a member of this project; add them first.")
    return user


class AnnotationImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": _REQUEST},
        parameters=[OpenApiParameter("dry_run", bool, description="Only read the file: layers, items, suggested mapping")],
        responses={200: dict, 201: dict, 400: dict},
        summary="Import annotations (ELAN, Praat, WebVTT/SRT, Label Studio, Tandem JSON/JSONL) as pre-labels, "
                "human annotations or gold",
    )
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        files = uploaded(request)
        layers = read_files(files)
        data: Any = request.data
        if _truthy(request.query_params.get("dry_run", "")) or _truthy(data.get("dry_run", "")):
            return Response(plan(project, layers))
        target = str(data.get("as") or "")
        if target not in TARGETS:
            raise InvalidInput(f"'as' must be one of {', '.join(TARGETS)}.")
        mapping = parse_mapping(data.get("mapping"))
        options = Options(target=target, model=str(data.get("model") or ""),
                          annotator=annotator_named(project.pk, data.get("annotator")))
        result = annotations_import(project=project, user=actor(request), layers=layers,
                                    mapping=mapping if mapping is not None else suggest_mapping(project, layers),
                                    options=options, files=[name for name, _ in files])
        return Response(result, status=status.HTTP_201_CREATED)
