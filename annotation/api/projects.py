"""Projects, members and import."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api.serializers import ImportSerializer, MembershipSerializer, ProjectSerializer
from annotation.models import Membership, Project, Role
from annotation.policy import actor, members_visible, project_for
from annotation.selectors import projects_for_user
from annotation.services.imports import parse_manifest, project_import
from annotation.services.projects import (
    member_remove,
    member_set,
    project_create,
    project_delete,
    project_update,
)
from common.bulk import gc_paused
from common.errors import InvalidInput, TooLarge
from common.parsers import FastJSONParser
from common.schema import page_of


class ProjectListView(generics.ListCreateAPIView):
    serializer_class = ProjectSerializer

    def get_queryset(self) -> QuerySet[Project]:
        return projects_for_user(self.request.user)

    @extend_schema(summary="Create a project (the creator becomes its manager)")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not (request.user.is_staff or request.user.is_superuser):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied("Only staff users create projects.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        project = project_create(user=actor(request), name=data.pop("name"), schema=data.pop("schema"), **data)
        return Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    serializer_class = ProjectSerializer

    @extend_schema(responses=ProjectSerializer)
    def get(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk)
        return Response(ProjectSerializer(project, context={"request": request}).data)

    @extend_schema(request=ProjectSerializer, responses=ProjectSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        serializer = ProjectSerializer(project, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        project = project_update(project=project, user=actor(request), data=dict(serializer.validated_data))
        return Response(ProjectSerializer(project, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        project_delete(project=project, user=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(APIView):
    serializer_class = MembershipSerializer

    @extend_schema(responses=page_of("MembershipPage", MembershipSerializer(many=True)))
    def get(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk)
        members = members_visible(project, request.user)
        return Response({"count": members.count(), "next": None, "previous": None,
                         "results": MembershipSerializer(members, many=True).data})

    @extend_schema(request=MembershipSerializer, responses=MembershipSerializer)
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        serializer = MembershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = member_set(
            project=project, user=actor(request), member=serializer.validated_data["username"],
            role=serializer.validated_data["role"],
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipSerializer, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        data: Any = request.data
        username = data.get("username") or request.query_params.get("username")
        membership = Membership.objects.filter(project=project, user__username=username).select_related("user").first()
        if membership is None:
            raise InvalidInput(f"'{username}' is not a member of this project.", field="username")
        member_remove(project=project, user=actor(request), member=membership.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


MAX_MANIFEST_BYTES = 64 * 1024 * 1024


class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser, FastJSONParser]

    @extend_schema(
        request={"multipart/form-data": ImportSerializer, "application/json": {"type": "array"}},
        responses={201: inline_serializer("ImportResult", {
            "items": serializers.IntegerField(), "tasks": serializers.IntegerField(),
            "task_ids": serializers.ListField(child=serializers.IntegerField(), help_text="the first 1000"),
        })},
        summary="Import items: a JSONL manifest, media files, or both (files referenced by name)",
    )
    @gc_paused()
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        uploads: dict[str, Any] = {}
        records: list[dict[str, Any]] = []
        data: Any = request.data
        if request.content_type.startswith("application/json"):
            items = data.get("items") if isinstance(data, dict) else data
            if not isinstance(items, list):
                raise InvalidInput("Send a JSON array of items or {\"items\": [...]}.")
            records = items
        else:
            manifest = request.FILES.get("manifest")
            if manifest is not None:
                if manifest.size > MAX_MANIFEST_BYTES:
                    raise TooLarge(f"Manifest is larger than {MAX_MANIFEST_BYTES} bytes; split it.")
                records = parse_manifest(manifest.read())
            elif "manifest" in data:
                records = parse_manifest(str(data.get("manifest")))
            for upload in request.FILES.getlist("files"):
                uploads[upload.name] = upload
        result = project_import(project=project, user=actor(request), records=records, uploads=uploads, check_roles=True)
        return Response(result, status=status.HTTP_201_CREATED)
