"""The one access policy: may this user see or change this object, or these bytes.

Every view (the REST API, the server-rendered pages, the media/waveform/frames endpoints, the
exports) asks here; nothing else decides access. The rules, written once:

- **Projects.** A user outside a project gets 404: its existence is not revealed. A member whose
  role is too low gets 403 (``Forbidden``), so a client can tell "not yours" from "not allowed".
  Superusers act as managers of every project. Pages answer 404 to both (``page_*``): a page a
  role has no link to is not revealed either.
- **Blind labeling.** An annotator sees only their own work: only the tasks they hold an
  assignment on, only their own ``human`` annotations, no agreement and no counts of other
  people's submissions, and of the members only themselves and the managers. Reviewers and
  managers see everything in the project. ``sees_peer_work`` is that rule.
- **Bytes.** An asset is readable only through its own project: managers read every asset of
  the project's dataset (an upload is polled before any item names it); reviewers read assets
  that an item of the project streams; annotators only those of items of tasks they hold.
- **Jobs** (exports, pre-label runs), **uploads** and **stream offsets** are for managers;
  **review items** and agreement reports for reviewers and managers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest
from rest_framework.request import Request

from annotation.models import Annotation, AnnotationKind, Job, Membership, Project, Role, Task, TaskStatus
from annotation.selectors import AnyUser, role_at_least, role_in, role_remember
from common.errors import Forbidden
from common.prepared import PreparedQuery
from datasets.models import Asset, Item, Stream, Upload

if TYPE_CHECKING:
    from qa.models import ReviewItem

# Task fields that count or score other annotators' work; annotators never get them.
PEER_WORK_TASK_FIELDS = ("submitted_count", "agreement")


def actor(request: HttpRequest | Request) -> User:
    """The authenticated user of a request (API views run behind IsAuthenticated, pages behind login)."""
    user = request.user
    if not isinstance(user, User):
        raise Forbidden("Authentication required.")
    return user


def require_role(user: AnyUser, project_id: int, minimum: str = Role.ANNOTATOR) -> str:
    """The user's role in the project: 404 outside it, 403 below ``minimum``."""
    role = role_in(project_id, user)
    if role is None:
        raise Http404
    if not role_at_least(role, minimum):
        raise Forbidden(f"This needs the {minimum} role in the project.")
    return role


def sees_peer_work(role: str | None) -> bool:
    """The blind-labeling rule: only reviewers and managers see other annotators' work."""
    return role is not None and role_at_least(role, Role.REVIEWER)


def user_sees_peer_work(user: AnyUser, project_id: int) -> bool:
    return sees_peer_work(role_in(project_id, user))


def _uid(user: AnyUser) -> int:
    return int(getattr(user, "pk", None) or 0)


# The caller's role in the row's project, read by the query that loads the row (``_with_role_of``).
_ROLE = "_caller_role"


def _role_read_with_row(user: AnyUser) -> bool:
    """Whether the role is read with the row: ``role_in`` answers anonymous users and superusers without a query."""
    return bool(user.is_authenticated) and not getattr(user, "is_superuser", False)


def _with_role_of(qs: QuerySet[Any], uid: int, project: type[Model], column: str) -> QuerySet[Any]:
    """``qs`` with the role of user ``uid`` in each row's project: ``column`` of the table of
    ``project`` (a model the query selects from or joins) holds the project's id.

    The row and the role come back in one round trip instead of two; ``role_of`` hands the role
    to ``role_in``, so the checks below read it from there as they always do. Plain SQL: a
    Subquery expression costs more to build and compile than the query it saves.
    """
    sql = (f'SELECT m.role FROM "{Membership._meta.db_table}" m '
           f'WHERE m.project_id = "{project._meta.db_table}"."{column}" AND m.user_id = %s')
    return qs.annotate(**{_ROLE: RawSQL(sql, (uid,))})


def _prepared_with_role(base: Callable[[], QuerySet[Any]], project: type[Model], column: str) -> PreparedQuery[Any]:
    """``base()`` filtered to one ``pk``, with the caller's role where ``_role_read_with_row`` says it is read, compiled
    once: these reads open almost every request (see :mod:`common.prepared`)."""

    def build(pk: int, uid: int, variant: str) -> QuerySet[Any]:
        qs = base().filter(pk=pk)
        return _with_role_of(qs, uid, project, column) if variant == "role" else qs

    return PreparedQuery(build, pk=int, uid=int)


def _read_one(query: PreparedQuery[Any], user: AnyUser, pk: int) -> Any:
    """The row ``pk`` of ``query`` with the caller's role, or None (an id that is no integer is none)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= pk < 2**63:
        return None
    return query.first(variant="role" if _role_read_with_row(user) else "plain", pk=pk, uid=_uid(user))


def role_of(row: Model, user: AnyUser, project_id: int) -> None:
    if hasattr(row, _ROLE):
        role_remember(project_id, user, getattr(row, _ROLE))


# --- projects and members ---------------------------------------------------------------------


_PROJECT = _prepared_with_role(lambda: Project.objects.select_related("dataset"), Project, "id")


def project_for(user: AnyUser, pk: int, minimum: str = Role.ANNOTATOR) -> Project:
    project = _read_one(_PROJECT, user, pk)
    if project is None:
        raise Http404
    role_of(project, user, project.pk)
    require_role(user, project.pk, minimum)
    return project


def members_visible(project: Project, user: AnyUser) -> QuerySet[Membership]:
    """Reviewers and managers see every member; an annotator sees themselves and the managers.

    As in Label Studio and CVAT, a worker is not shown who else labels the project (that would
    name the people whose work blind labeling hides), but does see whom to ask.
    """
    qs = Membership.objects.filter(project=project).select_related("user").order_by("id")
    if user_sees_peer_work(user, project.pk):
        return qs
    return qs.filter(Q(user_id=_uid(user)) | Q(role=Role.MANAGER))


# --- tasks and annotations ----------------------------------------------------------------------


def task_visible(task: Task, user: AnyUser, role: str) -> bool:
    """An annotator sees a task only while they hold (or held) an assignment on it."""
    return role != Role.ANNOTATOR or task.assignments.filter(annotator_id=_uid(user)).exists()


_TASK = _prepared_with_role(lambda: Task.objects.select_related("project", "item"), Task, "project_id")


def task_for(user: AnyUser, pk: int, minimum: str = Role.ANNOTATOR) -> Task:
    task = _read_one(_TASK, user, pk)
    if task is None:
        raise Http404
    role_of(task, user, task.project_id)
    role = require_role(user, task.project_id, minimum)
    if not task_visible(task, user, role):
        raise Http404
    return task


def task_holder(project: Project, user: AnyUser) -> int | None:
    """Whose assignments bound the tasks the user may list: an annotator's own; None (every task) for the rest."""
    return _uid(user) if role_in(project.pk, user) == Role.ANNOTATOR else None


def annotations_visible(task: Task, user: AnyUser) -> QuerySet[Annotation]:
    """Annotators see only their own work on a task; reviewers and managers see every version."""
    qs = Annotation.objects.filter(task=task).select_related("annotator").order_by("id")
    if user_sees_peer_work(user, task.project_id):
        return qs
    return qs.filter(annotator_id=_uid(user), kind=AnnotationKind.HUMAN)


_ANNOTATION = _prepared_with_role(
    lambda: Annotation.objects.select_related("task__project", "task__item", "annotator"), Task, "project_id")


def annotation_for(user: AnyUser, pk: int) -> Annotation:
    """An annotation the user may read: their own, or any of the project for reviewers and managers."""
    annotation = _read_one(_ANNOTATION, user, pk)
    if annotation is None:
        raise Http404
    role_of(annotation, user, annotation.task.project_id)
    role = require_role(user, annotation.task.project_id)
    if not sees_peer_work(role) and not (annotation.annotator_id == _uid(user)
                                          and annotation.kind == AnnotationKind.HUMAN):
        raise Http404
    return annotation


def annotation_to_reopen(user: AnyUser, pk: int) -> Annotation:
    """An annotation the user may take back from submitted to draft: their own human annotation, in a
    project whose managers allow it (``allow_reopen``). Anyone else who can read it gets 403.
    Whether its task still allows it (not yet in review or gold) is the service's 409."""
    annotation = annotation_for(user, pk)
    if annotation.kind != AnnotationKind.HUMAN or annotation.annotator_id != _uid(user):
        raise Forbidden("Only the annotator who submitted this annotation can reopen it.")
    if not annotation.task.project.allow_reopen:
        raise Forbidden("This project does not let annotators reopen submitted work; ask a manager.")
    return annotation


def task_taken_into_review(task: Task) -> bool:
    """Has review begun on this task: in review or gold, or a review item (other than one that sent
    it back) exists? Reopening stops there, so nobody changes work a reviewer is looking at."""
    from qa.models import ReviewItem, ReviewState  # qa builds on annotation, never the other way at import time

    if task.status in (TaskStatus.REVIEW, TaskStatus.GOLD):
        return True
    return ReviewItem.objects.filter(task_id=task.pk).exclude(state=ReviewState.RETURNED).exists()


# --- bytes: assets, streams, uploads --------------------------------------------------------------


def _dataset_project(dataset: Any) -> Project:
    """The project a dataset belongs to; a dataset without one (being deleted) is nobody's."""
    project: Project | None = getattr(dataset, "project", None)
    if project is None:
        raise Http404
    return project


def asset_for(user: AnyUser, pk: int) -> Asset:
    """An asset whose status, bytes, waveform, shots, frames or thumbnails the user may read."""
    try:
        asset = Asset.objects.select_related("dataset__project").get(pk=pk)
    except (Asset.DoesNotExist, ValueError):
        raise Http404 from None
    project = _dataset_project(asset.dataset)
    role = require_role(user, project.pk)
    if role == Role.MANAGER:
        return asset
    streams = Stream.objects.filter(asset=asset, item__dataset_id=asset.dataset_id)
    if role == Role.ANNOTATOR:
        streams = streams.filter(item__tasks__project=project, item__tasks__assignments__annotator_id=_uid(user))
    if not streams.exists():
        raise Http404
    return asset


def item_for(user: AnyUser, pk: int, minimum: str = Role.MANAGER) -> tuple[Item, Project]:
    """An item and its project, for an action on the whole item (managers unless ``minimum`` says less)."""
    item = Item.objects.select_related("dataset__project").filter(pk=pk).first()
    if item is None:
        raise Http404
    project = _dataset_project(item.dataset)
    role = require_role(user, project.pk, minimum)
    if role == Role.ANNOTATOR and not item.tasks.filter(project=project, assignments__annotator_id=_uid(user)).exists():
        raise Http404
    return item, project


def stream_for(user: AnyUser, pk: int) -> tuple[Stream, Project]:
    """A stream whose offset the user may set (managers of its project)."""
    stream = Stream.objects.select_related("item__dataset__project").filter(pk=pk).first()
    if stream is None:
        raise Http404
    project = _dataset_project(stream.item.dataset)
    require_role(user, project.pk, Role.MANAGER)
    return stream, project


def upload_for(user: AnyUser, pk: Any) -> Upload:
    """A resumable upload the user may read or append to (managers of its project)."""
    upload = Upload.objects.select_related("dataset__project", "asset").filter(pk=pk).first()
    if upload is None:
        raise Http404
    require_role(user, _dataset_project(upload.dataset).pk, Role.MANAGER)
    return upload


# --- jobs, exports and review -------------------------------------------------------------------


def job_for(user: AnyUser, pk: int, kind: str) -> Job:
    """A job of ``kind`` (an export and its file, a pre-label run): managers of its project."""
    try:
        job = Job.objects.select_related("project", "created_by").get(pk=pk, kind=kind)
    except (Job.DoesNotExist, ValueError):
        raise Http404 from None
    require_role(user, job.project_id, Role.MANAGER)
    return job


def review_item_for(user: AnyUser, pk: int) -> ReviewItem:
    """A review item the user may read and work on: reviewers and managers of its project."""
    from qa.models import ReviewItem  # qa builds on annotation, never the other way at import time

    try:
        item = ReviewItem.objects.select_related("task__item", "task__project", "claimed_by", "resolved_by").get(pk=pk)
    except (ReviewItem.DoesNotExist, ValueError):
        raise Http404 from None
    require_role(user, item.project_id_cache, Role.REVIEWER)
    return item


# --- pages: every denial is a 404 ---------------------------------------------------------------


def page_project(user: AnyUser, pk: int, minimum: str = Role.ANNOTATOR) -> tuple[Project, str]:
    """A project for a server-rendered page, with the user's role; 404 for any denial."""
    try:
        project = project_for(user, pk, minimum)
    except Forbidden:
        raise Http404 from None
    return project, str(role_in(project.pk, user))


def page_task(user: AnyUser, pk: int) -> tuple[Task, str]:
    task = task_for(user, pk)
    return task, str(role_in(task.project_id, user))


def page_review_item(user: AnyUser, pk: int) -> tuple[ReviewItem, str]:
    try:
        item = review_item_for(user, pk)
    except Forbidden:
        raise Http404 from None
    return item, str(role_in(item.project_id_cache, user))
