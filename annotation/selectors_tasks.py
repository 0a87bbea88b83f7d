"""The task list of a project under a user's filters: what the API's list and the project page show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from annotation.models import Assignment, Project, Task, TaskStatus
from annotation.policy import task_holder, user_sees_peer_work
from annotation.selectors import AnyUser
from common.errors import Forbidden, InvalidInput

# Filters that reveal other annotators' work; only reviewers and managers may use them.
PEER_WORK_FILTERS = ("annotator", "agreement_lt", "agreement_gte")
FILTERS = ("status", "provenance", "external_id", "created_after", *PEER_WORK_FILTERS)


@dataclass
class TaskList:
    """The project's tasks under the filters, with apart from them the annotators whose assignments
    bound the list (lookups on Assignment): the caller, for an annotator, and the ``annotator`` filter."""

    tasks: QuerySet[Task]
    holders: list[dict[str, Any]] = field(default_factory=list)
    peer_work: bool = False  # whether the caller may see counts and agreement of other people's work
    known_count: int | None = None  # the list's length when a counter gives it without counting
    agreement_range: bool = False  # whether the filters bound the agreement

    def counted_ids(self) -> QuerySet[Task, Any]:
        """The ids (``values("id")`` rows) in id order, for pages with a count of the whole list.

        Counting reads the whole list. With annotators in it and an agreement range, the ids are the
        intersection of two sets that indexes give whole: the tasks of the filters (a range of
        ``(project, status, agreement, id)``) and each annotator's (``(annotator, task)``), hashed
        and never joined. As a join, PostgreSQL may walk the status in id order through the heap to
        test each task's agreement, sparing the sort of one page, and read hundreds of thousands of
        rows (0.4 s at a million tasks) where the two index ranges take tens of milliseconds.
        Without an agreement range the join reads ``(project, status, id)`` alone and is kept: the
        intersection would read every task of the project (or status) to find an annotator's few.
        """
        if not (self.holders and self.agreement_range):
            return self.walked_ids()
        held = [Assignment.objects.filter(**h).order_by().values("task_id") for h in self.holders]
        return self.tasks.order_by().values("id").intersection(*held).order_by("id")

    def walked_ids(self) -> QuerySet[Task, Any]:
        """The ids (``values("id")`` rows) as a join walked in id order: for keyset pages, which stop
        at their page's last id."""
        tasks = self.tasks
        for holder in self.holders:
            tasks = tasks.filter(**{f"assignments__{name}": value for name, value in holder.items()})
        return tasks.values("id")


def _float(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"'{name}' must be a number.", field=name) from None


def task_list(project: Project, user: AnyUser, params: Mapping[str, str]) -> TaskList:
    """The tasks of ``project`` the user may list, under the filters among ``params`` (other keys are
    ignored). 403 for a filter that would reveal peers' work to an annotator, 400 for a bad value."""
    peer_work = user_sees_peer_work(user, project.pk)
    peer_filters = sorted(set(PEER_WORK_FILTERS) & set(params))
    if peer_filters and not peer_work:
        # Filtering by who else holds a task, or by its agreement, would reveal what blind labeling hides.
        raise Forbidden(f"Filtering by {', '.join(peer_filters)} needs the reviewer role in the project.")
    qs = Task.objects.filter(project=project).order_by("id")
    holder = task_holder(project, user)
    listed = TaskList(qs, [] if holder is None else [{"annotator_id": holder}], peer_work)
    if "status" in params:
        if params["status"] not in TaskStatus.values:
            raise InvalidInput(f"Unknown status; use one of {', '.join(TaskStatus.values)}.", field="status")
        qs = qs.filter(status=params["status"])
    if "annotator" in params:
        listed.holders.append({"annotator__username": params["annotator"]})
    if "provenance" in params:
        qs = qs.filter(item__provenance_kind=params["provenance"])
    if "external_id" in params:
        # The project's items are its dataset's: naming the dataset lets the (dataset, external_id) index find them.
        qs = qs.filter(item__dataset_id=project.dataset_id, item__external_id=params["external_id"])
    listed.agreement_range = "agreement_lt" in params or "agreement_gte" in params
    if "agreement_lt" in params:
        qs = qs.filter(agreement__lt=_float(params["agreement_lt"], "agreement_lt"))
    if "agreement_gte" in params:
        qs = qs.filter(agreement__gte=_float(params["agreement_gte"], "agreement_gte"))
    if "created_after" in params:
        try:
            when = parse_datetime(params["created_after"])
        except ValueError:  # well formed, but no such date (a 13th month)
            when = None
        if when is None:
            raise InvalidInput("'created_after' must be an ISO 8601 date-time.", field="created_after")
        qs = qs.filter(created_at__gte=when)
    if peer_work and not set(params) & set(FILTERS):
        # Every task of the project: the count the imports keep, not a count over a million rows.
        listed.known_count = project.task_count
    listed.tasks = qs
    return listed
