"""The audited "edit gold" action for reviewers and managers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api.serializers import AnnotationSerializer
from annotation.models import Role
from annotation.policy import actor, task_for
from common.schema import DetailSerializer
from qa.api.serializers import GoldEditSerializer
from qa.services.gold import gold_edit


class TaskGoldView(APIView):
    @extend_schema(request=GoldEditSerializer, responses={200: AnnotationSerializer, 409: DetailSerializer},
                   summary="Correct a task's gold outside the queue, with a reason (audited)")
    def post(self, request: Request, pk: int) -> Response:
        task = task_for(request.user, pk, Role.REVIEWER)
        serializer = GoldEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        gold = gold_edit(task=task, user=actor(request), result=data["result"], version=data["version"],
                         reason=data["reason"])
        return Response(AnnotationSerializer(gold).data)
