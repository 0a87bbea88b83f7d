"""Tasks, the next-task queue and skipping."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api.serializers import TaskListSerializer, TaskSerializer
from annotation.models import Task, TaskStatus
from annotation.policy import actor, project_for, task_for, user_sees_peer_work
from annotation.selectors_tasks import page_task_ids, task_list
from annotation.services.assignments import task_next, task_skip
from common.pagination import PageOrCursorPagination
from common.schema import DetailSerializer


class TaskListView(generics.ListAPIView):
    serializer_class = TaskListSerializer
    # Counting a million-task project, or one annotator's 14,000 tasks, outweighs the page itself:
    # clients that walk the list pass 'cursor' for keyset pages without a count.
    pagination_class = PageOrCursorPagination

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=TaskStatus.values),
        OpenApiParameter("annotator", str, description="username with an assignment on the task"),
        OpenApiParameter("provenance", str, enum=["captured", "synthetic"]),
        OpenApiParameter("agreement_lt", float), OpenApiParameter("agreement_gte", float),
        OpenApiParameter("created_after", str), OpenApiParameter("external_id", str),
    ])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    peer_work = False  # set per request once the project is known; blind until then
    known_count: int | None = None  # the list's length when a counter gives it (read by the pagination)
    count_with_page = True  # a filtered list's count would repeat its page's join: one query reads both

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "peer_work": self.peer_work}

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        project = project_for(request.user, self.kwargs["pk"])
        listed = task_list(project, request.user, request.query_params)
        self.peer_work, self.known_count = listed.peer_work, listed.known_count
        # The page is chosen on task ids alone, answered from indexes without reading a task row; only
        # the page's rows are then read, with their items, by primary key. Selecting every column in
        # the join itself made PostgreSQL walk the tasks in id order through the heap and, for a
        # sparse filter, read hundreds of thousands of rows to fill one page.
        keyset = PageOrCursorPagination.wants_cursor(request)
        page = self.paginate_queryset(listed.walked_ids() if keyset else listed.counted_ids())
        assert page is not None  # this view always paginates
        ids = page_task_ids(page)
        rows = Task.objects.filter(pk__in=ids).select_related("item").order_by("id") if ids else []
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class TaskDetailView(APIView):
    @extend_schema(responses=TaskSerializer)
    def get(self, request: Request, pk: int) -> Response:
        task = task_for(request.user, pk)
        task = Task.objects.select_related("item").prefetch_related("item__streams__asset").get(pk=task.pk)
        peer_work = user_sees_peer_work(request.user, task.project_id)
        return Response(TaskSerializer(task, context={"request": request, "peer_work": peer_work}).data)


_NEXT_TASK = inline_serializer("NextTask", {"task": inline_serializer("NextTaskRef", {
    "id": serializers.IntegerField(), "project": serializers.IntegerField(),
    "status": serializers.ChoiceField(TaskStatus.choices), "item": serializers.IntegerField(),
})})


class NextTaskView(APIView):
    @extend_schema(request=None, responses={200: _NEXT_TASK, 204: None}, summary="Take the next task (with a lease)")
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk)
        task = task_next(project=project, user=actor(request))
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response({"task": {"id": task.pk, "project": project.pk, "status": task.status, "item": task.item_id}})


class SkipTaskView(APIView):
    @extend_schema(request=None, responses={200: DetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        task = task_for(request.user, pk)
        task_skip(task=task, user=actor(request))
        return Response({"detail": "Skipped."})
