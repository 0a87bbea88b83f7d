"""Tasks, the next-task queue and skipping."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api.serializers import TaskListSerializer, TaskSerializer
from annotation.models import Assignment, Task, TaskStatus
from annotation.policy import actor, project_for, task_for, task_holder, user_sees_peer_work
from annotation.services.assignments import task_next, task_skip
from common.errors import Forbidden, InvalidInput
from common.pagination import PageOrCursorPagination
from common.schema import DetailSerializer

# Query filters that reveal other annotators' work; only reviewers and managers may use them.
PEER_WORK_FILTERS = ("annotator", "agreement_lt", "agreement_gte")
FILTERS = {"status", "provenance", "external_id", "created_after", *PEER_WORK_FILTERS}


# Lookups on Assignment, one per annotator whose assignments bound a task list.
Holders = list[dict[str, Any]]


def _float(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"'{name}' must be a number.", field=name) from None


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
    known_count: int | None = None  # the list's length when a counter gives it (see _filtered)
    count_with_page = True  # a filtered list's count would repeat its page's join: one query reads both

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "peer_work": self.peer_work}

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        tasks, holders = self._filtered()
        if holders and not PageOrCursorPagination.wants_cursor(request):
            # A page and the count of the whole list: the count must read every task of the list, so
            # it is the intersection of two sets of task ids that indexes give whole, the tasks of the
            # filters (project, status, agreement, id) and each annotator's (annotator, task), hashed
            # and never joined. As a join, PostgreSQL may walk a large status in id order through the
            # heap to skip the sort of the page, reading hundreds of thousands of rows (0.4 s at a
            # million tasks) where the two index ranges take tens of milliseconds.
            held = [Assignment.objects.filter(**h).order_by().values("task_id") for h in holders]
            ids = tasks.order_by().values("id").intersection(*held).order_by("id")
        else:
            # Keyset pages stop at the page's last id: the join, walked in id order, is what they want.
            for holder in holders:
                tasks = tasks.filter(**{f"assignments__{field}": value for field, value in holder.items()})
            ids = tasks.values("id")
        # The page is chosen on task ids alone, answered from indexes without reading a task row; only
        # the page's 50 rows are then read, with their items, by primary key. Selecting every column in
        # the join itself made PostgreSQL walk the tasks in id order through the heap and, for a sparse
        # filter, read hundreds of thousands of rows to fill one page.
        page = self.paginate_queryset(ids)
        assert page is not None  # this view always paginates
        page_ids = [row["id"] for row in page]
        rows = Task.objects.filter(pk__in=page_ids).select_related("item").order_by("id") if page_ids else []
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _filtered(self) -> tuple[QuerySet[Task], Holders]:
        """The project's tasks under the request's filters, and apart from them the annotators whose
        assignments bound the list (Assignment lookups): the caller, for an annotator, and the
        ``annotator`` filter."""
        request = self.request
        project = project_for(request.user, self.kwargs["pk"])
        self.peer_work = user_sees_peer_work(request.user, project.pk)
        qs = Task.objects.filter(project=project).order_by("id")
        holder = task_holder(project, request.user)
        holders: Holders = [] if holder is None else [{"annotator_id": holder}]
        params = request.query_params
        peer_filters = sorted(set(PEER_WORK_FILTERS) & set(params))
        if peer_filters and not self.peer_work:
            # Filtering by who else holds a task, or by its agreement, would reveal what blind labeling hides.
            raise Forbidden(f"Filtering by {', '.join(peer_filters)} needs the reviewer role in the project.")
        if "status" in params:
            if params["status"] not in TaskStatus.values:
                raise InvalidInput(f"Unknown status; use one of {', '.join(TaskStatus.values)}.", field="status")
            qs = qs.filter(status=params["status"])
        if "annotator" in params:
            holders.append({"annotator__username": params["annotator"]})
        if "provenance" in params:
            qs = qs.filter(item__provenance_kind=params["provenance"])
        if "external_id" in params:
            # The project's items are its dataset's: naming the dataset lets the (dataset, external_id) index find them.
            qs = qs.filter(item__dataset_id=project.dataset_id, item__external_id=params["external_id"])
        if "agreement_lt" in params:
            qs = qs.filter(agreement__lt=_float(params["agreement_lt"], "agreement_lt"))
        if "agreement_gte" in params:
            qs = qs.filter(agreement__gte=_float(params["agreement_gte"], "agreement_gte"))
        if "created_after" in params:
            when = parse_datetime(params["created_after"])
            if when is None:
                raise InvalidInput("'created_after' must be an ISO 8601 date-time.", field="created_after")
            qs = qs.filter(created_at__gte=when)
        if self.peer_work and not set(params) & FILTERS:
            # Every task of the project: the count the imports keep, not a count over a million rows.
            self.known_count = project.task_count
        return qs, holders


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
