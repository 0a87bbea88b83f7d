"""Per-annotator quality, for managers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Role
from annotation.policy import project_for
from qa.api.serializers import AnnotatorQualitySerializer
from qa.selectors_quality import annotator_quality


class ProjectAnnotatorsView(APIView):
    @extend_schema(responses=inline_serializer("AnnotatorQualityList", {
                       "count": serializers.IntegerField(), "results": AnnotatorQualitySerializer(many=True)}),
                   summary="Per annotator: peer agreement, accuracy vs gold, throughput, pre-label use and WER")
    def get(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        rows = annotator_quality(project)
        return Response({"count": len(rows), "results": AnnotatorQualitySerializer(rows, many=True).data})
