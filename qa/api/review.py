"""The adjudication queue: list, detail, claim, release, resolve, send back, next; flagging a task."""

from __future__ import annotations

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Role
from annotation.policy import project_for, review_item_for, task_for
from common.pagination import Pagination
from qa.api.serializers import (
    FlagReceiptSerializer,
    FlagSerializer,
    ResolveSerializer,
    ReviewItemDetailSerializer,
    ReviewItemSerializer,
)
from qa.models import ReviewState
from qa.selectors import REASON_KINDS, review_queue
from qa.services.review import review_claim, review_flag, review_next, review_release, review_resolve, review_send_back

CONFLICT = inline_serializer("ReviewConflict", {"detail": serializers.CharField()})


class SendBackSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="what the annotators should look at again (required)")


def acting_user(request: Request) -> User:
    """The authenticated caller (the default permission class has already refused anonymous ones)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


class ReviewQueueView(APIView):
    pagination_class = Pagination  # so the schema describes the paginated page the view answers

    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=list(ReviewState.values)),
                    OpenApiParameter("reason", str, enum=list(REASON_KINDS))],
        responses=ReviewItemSerializer(many=True), summary="The project's review queue",
    )
    def get(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.REVIEWER)
        qs = review_queue(project, state=request.query_params.get("state") or None,
                          reason=request.query_params.get("reason") or None)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ReviewItemSerializer(page, many=True).data)


class ReviewItemView(APIView):
    @extend_schema(responses=ReviewItemDetailSerializer, summary="A review item with its conflicts and decision")
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReviewItemDetailSerializer(review_item_for(request.user, pk)).data)


class ReviewClaimView(APIView):
    @extend_schema(request=None, responses={200: ReviewItemDetailSerializer, 409: CONFLICT},
                   summary="Claim for TANDEM_CLAIM_SECONDS (409 while someone else holds it)")
    def post(self, request: Request, pk: int) -> Response:
        item = review_claim(item=review_item_for(request.user, pk), user=acting_user(request))
        return Response(ReviewItemDetailSerializer(item).data)


class ReviewReleaseView(APIView):
    @extend_schema(request=None, responses={200: ReviewItemDetailSerializer, 409: CONFLICT}, summary="Give a claim back")
    def post(self, request: Request, pk: int) -> Response:
        item = review_release(item=review_item_for(request.user, pk), user=acting_user(request))
        return Response(ReviewItemDetailSerializer(item).data)


class ReviewResolveView(APIView):
    @extend_schema(request=ResolveSerializer, responses={200: ReviewItemDetailSerializer, 409: CONFLICT},
                   summary="The claimant's result becomes gold")
    def post(self, request: Request, pk: int) -> Response:
        item = review_item_for(request.user, pk)
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = review_resolve(item=item, user=acting_user(request), result=serializer.validated_data["result"],
                              sources=serializer.validated_data["sources"])
        return Response(ReviewItemDetailSerializer(item).data)


class TaskFlagView(APIView):
    @extend_schema(request=FlagSerializer, responses={201: FlagReceiptSerializer},
                   summary="Ask for review of a task, with a note (the answer is the caller's own flag only)")
    def post(self, request: Request, pk: int) -> Response:
        task = task_for(request.user, pk)
        serializer = FlagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        receipt = review_flag(task=task, user=acting_user(request), note=serializer.validated_data["note"])
        return Response(FlagReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class ReviewSendBackView(APIView):
    @extend_schema(request=SendBackSerializer, responses={200: ReviewItemDetailSerializer, 409: CONFLICT},
                   summary="The claimant returns the task to its annotators with a note (their drafts reopen)")
    def post(self, request: Request, pk: int) -> Response:
        item = review_item_for(request.user, pk)
        serializer = SendBackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = review_send_back(item=item, user=acting_user(request), note=serializer.validated_data["note"])
        return Response(ReviewItemDetailSerializer(item).data)


class ReviewNextView(APIView):
    @extend_schema(request=None, responses={200: ReviewItemDetailSerializer,
                                            204: OpenApiResponse(description="the queue is empty")},
                   summary="Claim the oldest queued item of the project for the caller")
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.REVIEWER)
        item = review_next(project=project, user=acting_user(request))
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ReviewItemDetailSerializer(item).data)
