"""The adjudication queue: enqueue, flag, claim (with expiry), release, resolve into gold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from annotation.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Assignment,
    AssignmentStatus,
    Project,
    Task,
    TaskStatus,
)
from annotation.services.annotations import task_set_status
from annotation.services.gold import gold_write
from annotation.services.revisions import revision_write
from common.audit import audit
from common.errors import Conflict, InvalidInput
from common.states import check_transition
from qa.models import REVIEW_TRANSITIONS, ReviewItem, ReviewState


def reason_kinds(reasons: Sequence[Mapping[str, Any]]) -> str:
    """The distinct reason kinds, comma-delimited on both sides so a substring match is exact."""
    kinds = list(dict.fromkeys(str(r.get("kind")) for r in reasons))
    return f",{','.join(kinds)}," if kinds else ""


def _open_item(task: Task) -> ReviewItem | None:
    return ReviewItem.objects.select_for_update().filter(task=task).exclude(state=ReviewState.RESOLVED).first()


@transaction.atomic
def review_enqueue(
    *, task: Task, reasons: Sequence[Mapping[str, Any]], conflicts: Sequence[Mapping[str, Any]] | None = None
) -> ReviewItem:
    """Put a task in the queue (or add reasons to its open item); a complete task → review.

    A task still open (waiting for annotations) keeps its status: it is routed when it completes,
    and triage then finds this item and adds its own reasons. A gold task keeps its status and its
    gold (exports and quality scores do not change): the new item asks a person to confirm or
    correct that gold through claim → resolve, and an earlier resolved item is never reopened.
    """
    item = _open_item(task)
    if item is not None and item.state == ReviewState.RETURNED:
        # The annotators resubmitted what a reviewer sent back: the same item is queued again,
        # its earlier decision (the send-back note) kept.
        check_transition("review", REVIEW_TRANSITIONS, item.state, ReviewState.QUEUED)
        item.state = ReviewState.QUEUED
        item.save(update_fields=["state", "updated_at"])
    if item is None:
        try:
            with transaction.atomic():
                item = ReviewItem.objects.create(task=task, project_id_cache=task.project_id, reasons=list(reasons),
                                                 conflicts=list(conflicts or []))
        except IntegrityError:
            item = _open_item(task)
            assert item is not None
            item.reasons = [*item.reasons, *reasons]
    else:
        item.reasons = [*item.reasons, *reasons]
    if conflicts is not None:
        item.conflicts = list(conflicts)
        # A new conflict list replaces the old one, so an earlier conflict count would be stale.
        # A conflict reason of this call is kept (even when the open item was just created by a
        # concurrent enqueue), older ones go.
        item.reasons = [r for r in item.reasons if r.get("kind") != "conflict" or any(r is x for x in reasons)]
    item.reason_kinds = reason_kinds(item.reasons)
    item.save(update_fields=["reasons", "reason_kinds", "conflicts", "updated_at"])
    if task.status == TaskStatus.COMPLETE:
        task_set_status(task, TaskStatus.REVIEW)
    audit(None, "review.enqueue", item, project_id=task.project_id, task=task.pk,
          reasons=[r.get("kind") for r in reasons])
    return item


@dataclass(frozen=True)
class FlagReceipt:
    """All a flagger gets back: their own flag. The review item is not in it: its conflicts and
    earlier notes are other annotators' work, which blind labeling hides from annotators."""

    task: int
    note: str
    flagged: bool = True


@transaction.atomic
def review_flag(*, task: Task, user: User, note: str) -> FlagReceipt:
    """An annotator (or reviewer) asks for a person to look at a task; the note travels with it.

    The note joins the task's open review item (or opens one, see ``review_enqueue``); a task that
    already has gold keeps it until a reviewer resolves the item.
    """
    task = Task.objects.select_for_update().get(pk=task.pk)
    Task.objects.filter(pk=task.pk).update(flagged=True)
    task.flagged = True
    reason = {"kind": "flagged", "by": user.get_username(), "note": note}
    item = review_enqueue(task=task, reasons=[reason])
    audit(user, "task.flag", task, project_id=task.project_id, note=note, review_item=item.pk,
          task_status=task.status)
    return FlagReceipt(task=task.pk, note=note)


def review_claim(*, item: ReviewItem, user: User) -> ReviewItem:
    """Claim an item for ``settings.TANDEM_CLAIM_SECONDS``; one conditional UPDATE decides the winner.

    The UPDATE only matches a queued item, an item whose claim has expired, or the caller's own
    claim (which it extends), so two reviewers racing for the same item never both win: the
    database serialises the two UPDATEs and the second one matches no row.
    """
    check_transition("review", REVIEW_TRANSITIONS, item.state, ReviewState.CLAIMED)
    now = timezone.now()
    expires = now + timedelta(seconds=settings.TANDEM_CLAIM_SECONDS)
    won = ReviewItem.objects.filter(pk=item.pk).filter(
        Q(state=ReviewState.QUEUED)
        | Q(state=ReviewState.CLAIMED, claim_expires_at__lt=now)
        | Q(state=ReviewState.CLAIMED, claimed_by=user)
    ).update(state=ReviewState.CLAIMED, claimed_by=user, claim_expires_at=expires, updated_at=now)
    item.refresh_from_db()
    if not won:
        if item.state == ReviewState.RESOLVED:
            raise Conflict("This review item is already resolved.")
        holder = item.claimed_by.get_username() if item.claimed_by else None
        raise Conflict(f"This review item is claimed by {holder} until {item.claim_expires_at:%Y-%m-%d %H:%M:%S} UTC.",
                       claimed_by=holder, claim_expires_at=item.claim_expires_at.isoformat() if item.claim_expires_at else None)
    audit(user, "review.claim", item, project_id=item.project_id_cache, expires=expires.isoformat())
    return item


@transaction.atomic
def review_release(*, item: ReviewItem, user: User) -> ReviewItem:
    """Give a claim back to the queue (only its holder)."""
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.state != ReviewState.CLAIMED or item.claimed_by_id != user.pk:
        raise Conflict("Only the reviewer holding the claim can release it.")
    check_transition("review", REVIEW_TRANSITIONS, item.state, ReviewState.QUEUED)
    item.state, item.claimed_by, item.claim_expires_at = ReviewState.QUEUED, None, None
    item.save(update_fields=["state", "claimed_by", "claim_expires_at", "updated_at"])
    audit(user, "review.release", item, project_id=item.project_id_cache)
    return item


def _sources(task: Task, result: Mapping[str, Any], sources: Sequence[Any]) -> list[dict[str, Any]]:
    """Normalise the claimed provenance of gold regions and check it names real things.

    Accepted: ``{"region_id", "from": username | "own"}`` per region, or (as the editor sends)
    annotation ids whose regions were copied in.
    """
    versions = {
        a.pk: (a.annotator.username if a.annotator else f"#{a.pk}")
        for a in Annotation.objects.filter(task=task, kind=AnnotationKind.HUMAN, status=AnnotationStatus.SUBMITTED)
        .select_related("annotator")
    }
    names = set(versions.values())
    region_ids = {r.get("id") for r in result.get("regions", []) if isinstance(r, Mapping)}
    out: list[dict[str, Any]] = []
    for i, s in enumerate(sources):
        if isinstance(s, int) and not isinstance(s, bool):
            if s not in versions:
                raise InvalidInput(f"sources[{i}]: annotation {s} is not a submitted version of this task.", field="sources")
            out.append({"annotation": s, "from": versions[s]})
        elif isinstance(s, Mapping):
            rid, origin = s.get("region_id"), s.get("from")
            if rid not in region_ids:
                raise InvalidInput(f"sources[{i}]: region {rid!r} is not in the result.", field="sources")
            if origin != "own" and origin not in names:
                raise InvalidInput(f"sources[{i}]: 'from' must be 'own' or an annotator of this task.", field="sources")
            out.append({"region_id": rid, "from": origin})
        else:
            raise InvalidInput(f"sources[{i}]: expected {{region_id, from}} or an annotation id.", field="sources")
    return out


@transaction.atomic
def review_resolve(
    *, item: ReviewItem, user: User, result: Any, sources: Sequence[Any]
) -> ReviewItem:
    """The claimant's adjudicated result becomes the task's gold; the item is resolved for good.

    Nothing is written unless the caller holds an unexpired claim on an unresolved item, so a
    second resolve (or a late one after another reviewer took over) is a 409 that leaves the
    gold as it was.
    """
    item = ReviewItem.objects.select_for_update().select_related("task__project", "task__item").get(pk=item.pk)
    if item.state == ReviewState.RESOLVED:
        raise Conflict("This review item is already resolved.", gold=item.gold_id)
    now = timezone.now()
    if item.state != ReviewState.CLAIMED or item.claimed_by_id != user.pk:
        raise Conflict("Claim this review item before resolving it.")
    if item.claim_expires_at is None or item.claim_expires_at < now:
        raise Conflict("Your claim on this review item has expired; claim it again.")
    check_transition("review", REVIEW_TRANSITIONS, item.state, ReviewState.RESOLVED)
    if not isinstance(result, Mapping):
        raise InvalidInput("Invalid result: must be an object with a 'regions' list", field="result")
    task = item.task
    normalized = _sources(task, result, sources)
    from_counts: dict[str, int] = {}
    for s in normalized:
        from_counts[s["from"]] = from_counts.get(s["from"], 0) + 1
    decision = {
        "by": user.get_username(), "at": now.isoformat(), "reasons": item.reasons,
        "sources": normalized, "from_counts": from_counts, "regions": len(result.get("regions", [])),
    }
    gold = gold_write(task=task, result=result, user=user, automatic=False,
                      detail={"review_item": item.pk, "sources": from_counts})
    item.state, item.resolved_by, item.resolved_at = ReviewState.RESOLVED, user, now
    item.gold, item.decision = gold, decision
    item.save(update_fields=["state", "resolved_by", "resolved_at", "gold", "decision", "updated_at"])
    audit(user, "review.resolve", item, project_id=task.project_id, task=task.pk, gold=gold.pk,
          version=gold.version, sources=normalized)
    return item


def _claim_held(item: ReviewItem, user: User, now: Any) -> None:
    """Refuse (409) unless ``user`` holds an unexpired claim on an unresolved item."""
    if item.state == ReviewState.RESOLVED:
        raise Conflict("This review item is already resolved.", gold=item.gold_id)
    if item.state != ReviewState.CLAIMED or item.claimed_by_id != user.pk:
        raise Conflict("Claim this review item first.")
    if item.claim_expires_at is None or item.claim_expires_at < now:
        raise Conflict("Your claim on this review item has expired; claim it again.")


@transaction.atomic
def review_send_back(*, item: ReviewItem, user: User, note: str) -> ReviewItem:
    """Return a task to its annotators with a note: their submitted versions reopen as drafts.

    Each submitted human annotation goes back to draft at a new version (a revision is written, so
    the submitted version stays in the history) and carries the note; each annotator's assignment
    becomes active again with a fresh lease, so the task is theirs in the queue. The task is open
    until they resubmit; then agreement and triage run again and this item is queued once more.
    """
    note = note.strip()
    if not note:
        raise InvalidInput("A note for the annotators is required.", field="note")
    item = ReviewItem.objects.select_for_update().select_related("task").get(pk=item.pk)
    now = timezone.now()
    _claim_held(item, user, now)
    check_transition("review", REVIEW_TRANSITIONS, item.state, ReviewState.RETURNED)
    task = Task.objects.select_for_update().get(pk=item.task_id)
    versions = list(Annotation.objects.select_for_update().filter(
        task=task, kind=AnnotationKind.HUMAN, status=AnnotationStatus.SUBMITTED))
    if not versions:
        raise Conflict("No annotator has submitted work on this task: there is nothing to send back.")
    if task.status != TaskStatus.OPEN:
        task_set_status(task, TaskStatus.OPEN)
    reopened: list[str] = []
    holders = 0
    lease = now + timedelta(seconds=settings.TANDEM_LEASE_SECONDS)
    for annotation in versions:
        Annotation.objects.filter(pk=annotation.pk).update(
            status=AnnotationStatus.DRAFT, version=F("version") + 1, review_note=note, updated_at=now)
        annotation.status, annotation.version, annotation.review_note = AnnotationStatus.DRAFT, annotation.version + 1, note
        revision_write(annotation, user, annotation.result)
        if annotation.annotator_id is not None:
            # Imported work may have no assignment yet: the annotator gets one, so the draft is theirs to edit.
            Assignment.objects.update_or_create(task=task, annotator_id=annotation.annotator_id, defaults={
                "status": AssignmentStatus.ACTIVE, "lease_expires_at": lease, "submitted_at": None})
            holders += 1
        reopened.append(annotation.annotator.get_username() if annotation.annotator else f"#{annotation.pk}")
    Task.objects.filter(pk=task.pk).update(
        submitted_count=Greatest(F("submitted_count") - len(versions), 0), active_count=F("active_count") + holders)
    Project.objects.filter(pk=task.project_id, completed_count__gt=0).update(completed_count=F("completed_count") - 1)
    item.state, item.claimed_by, item.claim_expires_at = ReviewState.RETURNED, None, None
    item.decision = {**(item.decision or {}), "returned": {"by": user.get_username(), "at": now.isoformat(),
                                                           "note": note, "annotators": sorted(reopened)}}
    item.save(update_fields=["state", "claimed_by", "claim_expires_at", "decision", "updated_at"])
    audit(user, "review.send_back", item, project_id=task.project_id, task=task.pk, note=note,
          annotators=sorted(reopened))
    return item


def review_next(*, project: Project, user: User) -> ReviewItem | None:
    """Claim the oldest item of the project's queue this reviewer can take (queued, or a lapsed claim).

    Claims go through ``review_claim``; an item another reviewer wins in between is skipped.
    """
    now = timezone.now()
    candidates = (ReviewItem.objects.filter(project_id_cache=project.pk)
                  .filter(Q(state=ReviewState.QUEUED) | Q(state=ReviewState.CLAIMED, claim_expires_at__lt=now))
                  .order_by("id").values_list("pk", flat=True)[:20])
    for pk in candidates:
        try:
            return review_claim(item=ReviewItem.objects.get(pk=pk), user=user)
        except Conflict:
            continue
    return None
