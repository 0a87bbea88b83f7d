"""Annotations: list/create per task, save with version, submit; predictions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api.serializers import (
    AnnotationCreateSerializer,
    AnnotationSaveSerializer,
    AnnotationSerializer,
    AnnotationSubmitSerializer,
    PredictionSerializer,
    annotation_data,
)
from annotation.models import AnnotationKind, Prediction, Role
from annotation.policy import actor, annotation_for, annotation_to_reopen, annotations_visible, task_for
from annotation.selectors import role_in
from annotation.services.annotations import (
    annotation_create,
    annotation_reopen,
    annotation_save,
    annotation_submit,
)
from annotation.services.assignments import assignment_ensure
from common.errors import Forbidden
from common.pagination import Pagination
from common.schema import DetailSerializer


class TaskAnnotationsView(APIView):
    pagination_class = Pagination

    @extend_schema(responses=AnnotationSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        task = task_for(request.user, pk)
        paginator = Pagination()
        page = paginator.paginate_queryset(annotations_visible(task, request.user), request, view=self)
        return paginator.get_paginated_response(AnnotationSerializer(page, many=True).data)

    @extend_schema(request=AnnotationCreateSerializer, responses={201: AnnotationSerializer, 200: AnnotationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        task = task_for(request.user, pk)
        if role_in(task.project_id, request.user) == Role.ANNOTATOR:
            assignment_ensure(task=task, user=actor(request))
        serializer = AnnotationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        annotation, created = annotation_create(task=task, user=actor(request), result=serializer.validated_data.get("result"))
        return Response(annotation_data(annotation), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AnnotationDetailView(APIView):
    @extend_schema(responses=AnnotationSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(annotation_data(annotation_for(request.user, pk)))

    @extend_schema(request=AnnotationSaveSerializer, responses={200: AnnotationSerializer, 409: DetailSerializer})
    def put(self, request: Request, pk: int) -> Response:
        annotation = annotation_for(request.user, pk)
        if annotation.annotator_id != request.user.pk and annotation.kind == AnnotationKind.HUMAN:
            raise Forbidden("Only the annotator who owns this annotation can change it.")
        serializer = AnnotationSaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        annotation = annotation_save(
            annotation=annotation, result=serializer.validated_data["result"],
            version=serializer.validated_data["version"], user=actor(request),
        )
        return Response(annotation_data(annotation))


class AnnotationSubmitView(APIView):
    @extend_schema(request=AnnotationSubmitSerializer, responses={200: AnnotationSerializer, 409: DetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        annotation = annotation_for(request.user, pk)
        if annotation.annotator_id != request.user.pk:
            raise Forbidden("Only the annotator who owns this annotation can submit it.")
        serializer = AnnotationSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        annotation = annotation_submit(annotation=annotation, user=actor(request), version=serializer.validated_data.get("version"))
        return Response(annotation_data(annotation))


class AnnotationReopenView(APIView):
    """Submitted → draft, by its author, where the project allows it and review has not begun."""

    @extend_schema(request=None, responses={200: AnnotationSerializer, 403: DetailSerializer, 409: DetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        annotation = annotation_reopen(annotation=annotation_to_reopen(request.user, pk), user=actor(request))
        return Response(annotation_data(annotation))


class TaskPredictionsView(APIView):
    pagination_class = Pagination

    @extend_schema(responses=PredictionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        task = task_for(request.user, pk)
        qs = Prediction.objects.filter(task=task).order_by("model")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(PredictionSerializer(page, many=True).data)
