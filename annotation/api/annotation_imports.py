"""Importing annotations from ELAN, Praat, WebVTT/SRT, Label Studio and Tandem files (managers only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
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
    UNMATCHED,
    Options,
    annotations_import,
    parse_mapping,
    plan,
    read_uploads,
    suggest_mapping,
)
from common.errors import InvalidInput, TooLarge
from common.schema import DetailSerializer
from datasets.imports import EXTENSIONS

# An annotation file is read into memory to be parsed; a zip (which may carry media) and a media
# file are read from the uploaded file, a member at a time, up to the media upload limit.
MAX_FILE_BYTES = 200 * 1024 * 1024

_REQUEST = inline_serializer("AnnotationImportRequest", {
    "file": serializers.FileField(help_text="An .eaf, .TextGrid, .vtt, .srt, .json, .jsonl file, or a .zip of them "
                                            "(with the media of items to create); several may be sent"),
    "mapping": serializers.JSONField(required=False, help_text='{layer: {"track": name, "labels": {value: label}}}'),
    "as": serializers.ChoiceField(choices=TARGETS, required=False),
    "model": serializers.CharField(required=False), "annotator": serializers.CharField(required=False),
    "unmatched": serializers.ChoiceField(choices=UNMATCHED, required=False,
                                         help_text="error (default) or skip: items that are neither in the project "
                                                   "nor media of the upload"),
})



class _LayerMappingSerializer(serializers.Serializer):
    track = serializers.CharField(allow_null=True)
    labels = serializers.DictField(child=serializers.CharField(allow_null=True, allow_blank=True),
                                   help_text="file value -> label (null: left out)")


class _PlanLayerSerializer(serializers.Serializer):
    layer = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.CharField())
    regions = serializers.IntegerField()
    values = serializers.ListField(child=serializers.CharField(allow_blank=True), help_text="the first 200")
    annotators = serializers.ListField(child=serializers.CharField())


class _PlanItemsSerializer(serializers.Serializer):
    matched = serializers.ListField(child=inline_serializer("AnnotationImportMatch", {
        "key": serializers.CharField(), "task": serializers.IntegerField()}))
    new = serializers.ListField(child=inline_serializer("AnnotationImportNewItem", {
        "key": serializers.CharField(), "files": serializers.ListField(child=serializers.CharField())}))
    unmatched = serializers.ListField(child=serializers.CharField())


class AnnotationImportPlanSerializer(serializers.Serializer):
    """The dry run (``plan``)."""

    layers = _PlanLayerSerializer(many=True)
    mapping = serializers.DictField(child=_LayerMappingSerializer(), help_text="suggested: layer -> track and labels")
    items = _PlanItemsSerializer()


class AnnotationImportResultSerializer(serializers.Serializer):
    """What an import wrote (``annotations_import``)."""

    as_ = serializers.ChoiceField(choices=TARGETS)
    tasks = serializers.IntegerField()
    regions = serializers.IntegerField()
    items_created = serializers.IntegerField()
    items_skipped = serializers.IntegerField()
    task_ids = serializers.ListField(child=serializers.IntegerField())
    created = serializers.DictField(child=serializers.IntegerField(), help_text="external id -> task id")
    skipped = serializers.ListField(child=serializers.CharField(), help_text="items left out (unmatched=skip)")
    mapping = serializers.DictField(child=serializers.DictField(), help_text="the mapping used")

    def get_fields(self) -> dict[str, serializers.Field]:
        # "as" is a Python keyword: the field is declared as ``as_`` and answered as "as".
        fields = super().get_fields()
        fields["as"] = fields.pop("as_")
        return fields


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def uploaded(request: Request) -> list[tuple[str, Any]]:
    """(name, file object) of each uploaded file, within its size limit (413)."""
    out = []
    for upload in request.FILES.getlist("file") + request.FILES.getlist("files"):
        name = str(upload.name)
        limit = MAX_FILE_BYTES if name.lower().endswith(EXTENSIONS) else settings.TANDEM_MAX_UPLOAD_BYTES
        if upload.size is not None and upload.size > limit:
            raise TooLarge(f"'{name}' is {upload.size} bytes; an annotation import takes at most {limit}.")
        out.append((name, upload.file))
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
        responses={200: AnnotationImportPlanSerializer, 201: AnnotationImportResultSerializer,
                   400: DetailSerializer},
        summary="Import annotations (ELAN, Praat, WebVTT/SRT, Label Studio, Tandem JSON/JSONL) as pre-labels, "
                "human annotations or gold",
    )
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        upload = read_uploads(uploaded(request))
        data: Any = request.data
        if _truthy(request.query_params.get("dry_run", "")) or _truthy(data.get("dry_run", "")):
            return Response(plan(project, upload))
        target = str(data.get("as") or "")
        if target not in TARGETS:
            raise InvalidInput(f"'as' must be one of {', '.join(TARGETS)}.")
        mapping = parse_mapping(data.get("mapping"))
        options = Options(target=target, model=str(data.get("model") or ""),
                          annotator=annotator_named(project.pk, data.get("annotator")),
                          unmatched=str(data.get("unmatched") or "error"))
        result = annotations_import(project=project, user=actor(request), upload=upload,
                                    mapping=mapping if mapping is not None else suggest_mapping(project, upload.layers),
                                    options=options)
        return Response(result, status=status.HTTP_201_CREATED)
