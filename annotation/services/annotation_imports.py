"""Importing annotations made elsewhere (ELAN, Praat, WebVTT/SRT, Label Studio, Tandem exports).

Two steps, both from the layers ``datasets.imports`` reads out of the uploaded file:

- **plan** (the dry run): the layers found, the items they name matched to the project's tasks
  (by external id, else by the name of a stream's media file, with or without its extension),
  and a mapping ``{layer: {"track": name or null, "labels": {file value: label or null}}}``
  suggested by name, starting from the mapping the last import of the project used.
- **apply**: every region converted through the mapping and checked against the schema, every
  task's result checked whole, and only then everything written in one transaction, so a bad
  region anywhere writes nothing (400 naming the file, the tier and the annotation).

What the regions become (``as``): ``prelabel`` — one Prediction per task under a model name;
``gold`` — through ``gold_write``, the audited path (an open task is completed first, as the
state machine wants); ``human`` — the submitted annotation of a named annotator who is a member,
or, when none is named, of each annotator the file names (a member by username or e-mail).
Imported human work counts as submitted work: the annotator gets a submitted assignment, the
task's ``submitted_count`` grows and the task completes at its overlap, exactly as if they had
labeled it in the queue, so overlap and the project's counters stay true. A task on which that
annotator already has an annotation or skipped is refused by name. The mapping used is kept in
the import's audit event, which is where the next plan reads it from.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotation.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Assignment,
    AssignmentStatus,
    Membership,
    Project,
    Task,
    TaskStatus,
)
from annotation.schema import ResultError, validate_result
from annotation.services.annotations import (
    _needed,
    annotation_submitted,
    result_check,
    result_context,
    task_completed,
    task_set_status,
)
from annotation.services.gold import gold_write
from annotation.services.prelabel import prediction_store
from annotation.services.revisions import revision_write
from common.audit import audit
from common.errors import InvalidInput
from common.models import AuditEvent
from datasets.imports import ImportFormatError, SourceLayer, SourceRegion, read_annotations
from datasets.models import Stream

ACTION = "annotations.import"
TARGETS = ("prelabel", "human", "gold")
# Region keys of a Tandem export carried over as they are (the schema checks them).
_CARRIED = ("attributes", "score", "method", "start_char", "end_char", "keyframes")

Mapping_ = dict[str, dict[str, Any]]


def read_files(files: Sequence[tuple[str, bytes]]) -> list[SourceLayer]:
    """The layers of every uploaded file; a file that cannot be read is a 400 naming it."""
    if not files:
        raise InvalidInput("Send the annotation file (or a zip of them) as 'file'.")
    layers: list[SourceLayer] = []
    for name, data in files:
        try:
            layers += read_annotations(name, data)
        except ImportFormatError as exc:
            raise InvalidInput(str(exc), file=exc.file, tier=exc.layer, annotation=exc.annotation) from None
    return layers


def parse_mapping(raw: Any) -> dict[str, Any] | None:
    """The ``mapping`` field: a JSON object (or its text); None when none was sent."""
    if raw in (None, ""):
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"'mapping' is not valid JSON: {exc.msg} at character {exc.pos}.") from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) or v is None for v in raw.values()):
        raise InvalidInput("'mapping' must be an object {layer: {\"track\": name, \"labels\": {value: label}}}.")
    return raw


def saved_mapping(project: Project) -> Mapping_:
    """The mapping the project's last annotation import used ({} before the first)."""
    event = AuditEvent.objects.filter(project_id=project.pk, action=ACTION).order_by("-at", "-id").first()
    mapping = (event.data or {}).get("mapping") if event is not None else None
    return dict(mapping) if isinstance(mapping, dict) else {}


def _stem(name: str) -> str:
    return os.path.splitext(name)[0]


def task_index(project: Project) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Names → task ids: (external ids and media file names, media file names without extension)."""
    exact: dict[str, set[int]] = defaultdict(set)
    stems: dict[str, set[int]] = defaultdict(set)
    tasks = dict(Task.objects.filter(project=project).values_list("item_id", "id"))
    for item_id, ext in project.dataset.items.filter(pk__in=tasks.keys()).values_list("pk", "external_id"):
        if ext:
            exact[ext].add(tasks[item_id])
    for item_id, name in Stream.objects.filter(item_id__in=tasks.keys()).values_list("item_id", "asset__original_name"):
        if name:
            exact[name].add(tasks[item_id])
            stems[_stem(name)].add(tasks[item_id])
    return exact, stems


def match_item(layer: SourceLayer, index: tuple[dict[str, set[int]], dict[str, set[int]]]) -> int | None:
    """The task a layer's item is, if exactly one task goes by one of its names."""
    exact, stems = index
    for name in (layer.item_key, *layer.item_aliases):
        for table, key in ((exact, name), (stems, name), (stems, _stem(name))):
            found = table.get(key, set())
            if len(found) == 1:
                return next(iter(found))
    return None


def _tracks(project: Project) -> dict[str, Mapping[str, Any]]:
    return {t["name"]: t for t in project.schema.get("tracks", [])}


def suggest_mapping(project: Project, layers: Sequence[SourceLayer]) -> Mapping_:
    """Each layer to the track of the same name (any case), its values to labels of the same value;
    what the last import mapped wins where it still fits the schema."""
    tracks = _tracks(project)
    by_lower = {name.lower(): name for name in tracks}
    saved = saved_mapping(project)
    out: Mapping_ = {}
    for layer in layers:
        if layer.layer in out:
            entry = out[layer.layer]
        else:
            before = saved.get(layer.layer) or {}
            track = before.get("track") if before.get("track") in tracks else by_lower.get(layer.layer.lower())
            entry = out[layer.layer] = {"track": track, "labels": {}}
        track_spec = tracks.get(entry["track"] or "")
        if track_spec is None or track_spec["kind"] == "transcript":
            continue
        values = {lab["value"].lower(): lab["value"] for lab in track_spec.get("labels", [])}
        old_labels = (saved.get(layer.layer) or {}).get("labels") or {}
        for region in layer.regions:
            if region.value not in entry["labels"]:
                kept = old_labels.get(region.value)
                entry["labels"][region.value] = kept if kept in values.values() else values.get(region.value.lower())
    return out


def plan(project: Project, layers: Sequence[SourceLayer]) -> dict[str, Any]:
    """The dry run: what the file holds, which items it names and a suggested mapping."""
    index = task_index(project)
    found: dict[str, dict[str, Any]] = {}
    matched: dict[str, int] = {}
    unmatched: list[str] = []
    for layer in layers:
        info = found.setdefault(layer.layer, {"layer": layer.layer, "files": [], "regions": 0, "values": [],
                                              "annotators": []})
        if layer.file not in info["files"]:
            info["files"].append(layer.file)
        info["regions"] += len(layer.regions)
        for value in dict.fromkeys(r.value for r in layer.regions):
            if value not in info["values"] and len(info["values"]) < 200:
                info["values"].append(value)
        if layer.annotator and layer.annotator not in info["annotators"]:
            info["annotators"].append(layer.annotator)
        task_id = match_item(layer, index)
        if task_id is not None:
            matched[layer.item_key] = task_id
        elif layer.item_key not in unmatched:
            unmatched.append(layer.item_key)
    return {"layers": list(found.values()), "mapping": suggest_mapping(project, layers),
            "items": {"matched": [{"key": k, "task": v} for k, v in matched.items()], "unmatched": unmatched}}


@dataclass(frozen=True)
class Options:
    target: str  # one of TARGETS
    model: str = ""  # prelabel: the model name the suggestions go under
    annotator: User | None = None  # human: whose annotations they become


def _fail(layer: SourceLayer, region: SourceRegion | None, message: str) -> InvalidInput:
    where = f"{layer.file}, tier '{layer.layer}'" + (f", annotation {region.where}" if region is not None else "")
    return InvalidInput(f"{where}: {message}", file=layer.file, tier=layer.layer,
                        annotation=region.where if region is not None else None)


def _convert(layer: SourceLayer, region: SourceRegion, track: Mapping[str, Any],
             labels: Mapping[str, Any]) -> dict[str, Any] | None:
    """One source region as a region of ``track``; None when its value is mapped to nothing."""
    kind, name = track["kind"], track["name"]
    out: dict[str, Any] = {"track": name}
    if kind == "relation":
        raise _fail(layer, region, f"track '{name}' is a relation track; relations are not imported")
    if kind != "transcript":
        if region.value in labels and not labels[region.value]:
            return None
        label = labels.get(region.value) or region.value
        if label not in {lab["value"] for lab in track.get("labels", [])}:
            if region.value in labels:
                raise _fail(layer, region, f"value '{region.value}' is mapped to '{label}', which is not a label of "
                            f"track '{name}'")
            raise _fail(layer, region, f"value '{region.value}' is not mapped to a label of track '{name}'")
        out["label"] = label
    if kind in ("segment", "transcript"):
        if region.start_ms is None or region.end_ms is None:
            raise _fail(layer, region, f"has no start and end, which a {kind} region needs")
        out["start_ms"], out["end_ms"] = region.start_ms, region.end_ms
    elif kind == "point":
        if region.start_ms is None:
            raise _fail(layer, region, "has no time, which a point needs")
        out["time_ms"] = region.start_ms
    if kind == "transcript":
        out["text"] = region.value
    elif "text" in region.extra:
        out["text"] = region.extra["text"]
    out.update({k: region.extra[k] for k in _CARRIED if k in region.extra})
    return out


Key = tuple[int, str | None]  # (task id, the file's annotator when each keeps their own annotation)


def build_results(project: Project, layers: Sequence[SourceLayer], mapping: Mapping[str, Any],
                  source: Mapping[str, str] | None = None, by_annotator: bool = False) -> dict[Key, list[dict[str, Any]]]:
    """Every mapped region checked and grouped by task, and by the file's annotator when ``by_annotator``;
    the first bad one raises."""
    tracks = _tracks(project)
    index = task_index(project)
    results: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    contexts: dict[int, Any] = {}
    tasks = {}
    for layer in layers:
        entry = mapping.get(layer.layer)
        if not isinstance(entry, Mapping) or not entry.get("track"):
            continue  # a layer mapped to no track is left out on purpose
        track = tracks.get(str(entry["track"]))
        if track is None:
            raise _fail(layer, None, f"is mapped to track '{entry['track']}', which the project does not have")
        labels = entry.get("labels") or {}
        if not isinstance(labels, Mapping):
            raise _fail(layer, None, "its 'labels' mapping must be an object {value: label}")
        task_id = match_item(layer, index)
        if task_id is None:
            raise _fail(layer, None, f"item '{layer.item_key}' matches no item of the project by external id "
                        "or media file name")
        if task_id not in tasks:
            tasks[task_id] = Task.objects.select_related("item").get(pk=task_id)
            contexts[task_id] = result_context(tasks[task_id])
        key = (task_id, layer.annotator if by_annotator else None)
        for region in layer.regions:
            converted = _convert(layer, region, track, labels)
            if converted is None:
                continue
            converted = {"id": f"imp{len(results[key]) + 1}", **converted}
            if source is not None:
                converted["source"] = dict(source)
            try:
                validate_result(project.schema, {"regions": [converted]}, contexts[task_id])
            except ResultError as exc:
                raise _fail(layer, region, exc.message) from None
            results[key].append(converted)
    if not results:
        raise InvalidInput("Nothing to import: no region of the file is mapped to a track of the project.")
    for (task_id, _who), regions in results.items():
        result_check(project, tasks[task_id], {"regions": regions})
    return dict(results)


def _file_people(project: Project, layers: Sequence[SourceLayer], mapping: Mapping[str, Any]) -> dict[str, User]:
    """The members the file's annotators are (by username, else e-mail), for a human import without
    ``annotator``: every mapped layer must name one."""
    members: dict[str, User] = {}
    for member in Membership.objects.filter(project=project).select_related("user"):
        members.setdefault(member.user.username, member.user)
        if member.user.email:
            members.setdefault(member.user.email, member.user)
    for layer in layers:
        entry = mapping.get(layer.layer)
        if not isinstance(entry, Mapping) or not entry.get("track") or not layer.regions:
            continue
        if layer.annotator is None:
            raise _fail(layer, None, "names no annotator: choose whose work it is ('annotator')")
        if layer.annotator not in members:
            raise _fail(layer, None, f"is the work of '{layer.annotator}', who is not a member of this project "
                        "(by username or e-mail); add them, or choose whose work it is ('annotator')")
    return members


def _check_human(project: Project, user: User, task_ids: Sequence[int]) -> None:
    if not Membership.objects.filter(project=project, user=user).exists():
        raise InvalidInput(f"'{user.username}' is not a member of this project; add them first.")
    held = Annotation.objects.filter(task_id__in=task_ids, annotator=user, kind=AnnotationKind.HUMAN)
    taken = sorted(held.values_list("task__item__external_id", flat=True))
    skipped = sorted(Assignment.objects.filter(task_id__in=task_ids, annotator=user, status=AssignmentStatus.SKIPPED)
                     .values_list("task__item__external_id", flat=True))
    if taken or skipped:
        which = taken or skipped
        raise InvalidInput(f"'{user.username}' already {'has an annotation on' if taken else 'skipped'} "
                           f"item{'s' if len(which) > 1 else ''} {', '.join(repr(w) for w in which[:10])}; "
                           "nothing was imported.")


def _human_write(task_id: int, annotator: User, manager: User, regions: list[dict[str, Any]]) -> None:
    """The annotator's submitted annotation, as the queue would leave it (see the module docstring)."""
    now = timezone.now()
    task = Task.objects.select_for_update().get(pk=task_id)
    annotation = Annotation.objects.create(task=task, annotator=annotator, kind=AnnotationKind.HUMAN,
                                           status=AnnotationStatus.SUBMITTED, result={"regions": regions},
                                           submitted_at=now)
    revision_write(annotation, manager)
    assignment = Assignment.objects.filter(task=task, annotator=annotator).first()
    if assignment is None:
        Assignment.objects.create(task=task, annotator=annotator, status=AssignmentStatus.SUBMITTED,
                                  lease_expires_at=now, submitted_at=now)
    else:
        if assignment.status == AssignmentStatus.ACTIVE and task.active_count > 0:
            task.active_count -= 1
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.SUBMITTED, submitted_at=now)
    task.submitted_count += 1
    Task.objects.filter(pk=task.pk).update(submitted_count=task.submitted_count, active_count=task.active_count)
    Project.objects.filter(pk=task.project_id).update(annotation_count=F("annotation_count") + 1)
    if task.status == TaskStatus.OPEN and task.submitted_count >= _needed(task):
        task_set_status(task, TaskStatus.COMPLETE)
        Project.objects.filter(pk=task.project_id).update(completed_count=F("completed_count") + 1)
        transaction.on_commit(lambda: task_completed.send(sender=Task, task_id=task_id))
    annotation_id = annotation.pk
    transaction.on_commit(lambda: annotation_submitted.send(sender=Annotation, annotation_id=annotation_id))


def _gold_write(task_id: int, manager: User, regions: list[dict[str, Any]], detail: dict[str, Any]) -> None:
    task = Task.objects.select_for_update().get(pk=task_id)
    if task.status == TaskStatus.OPEN:  # open → gold is not a move of the state machine: complete it first
        task_set_status(task, TaskStatus.COMPLETE)
        Project.objects.filter(pk=task.project_id).update(completed_count=F("completed_count") + 1)
    gold_write(task=task, result={"regions": regions}, user=manager, detail=detail)


@transaction.atomic
def annotations_import(*, project: Project, user: User, layers: Sequence[SourceLayer], mapping: Mapping[str, Any],
                       options: Options, files: Sequence[str]) -> dict[str, Any]:
    """Check everything, then write everything (see the module docstring); returns what was written."""
    if options.target not in TARGETS:
        raise InvalidInput(f"'as' must be one of {', '.join(TARGETS)}.")
    source = {"model": options.model, "version": "import"} if options.target == "prelabel" else None
    if options.target == "prelabel" and not 0 < len(options.model) <= 64:
        raise InvalidInput("A pre-label import needs a model name of 1-64 characters ('model').")
    by_annotator = options.target == "human" and options.annotator is None
    people = _file_people(project, layers, mapping) if by_annotator else {}
    results = build_results(project, layers, mapping, source, by_annotator)
    task_ids = sorted({task_id for task_id, _who in results})
    if options.target == "human":
        owners: dict[int, list[int]] = defaultdict(list)
        for task_id, who in results:
            owner = options.annotator or people[str(who)]
            owners[owner.pk].append(task_id)
        for owner_id, owned in owners.items():
            _check_human(project, User.objects.get(pk=owner_id), owned)
    detail = {"import": {"files": list(files)}}
    for (task_id, who), regions in sorted(results.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if options.target == "prelabel":
            prediction_store(task_id=task_id, model=options.model, version="import", regions=regions)
        elif options.target == "gold":
            _gold_write(task_id, user, regions, detail)
        else:
            _human_write(task_id, options.annotator or people[str(who)], user, regions)
    summary = {"as": options.target, "tasks": len(task_ids), "regions": sum(len(r) for r in results.values())}
    used = {k: v for k, v in mapping.items() if isinstance(v, Mapping)}
    audit(user, ACTION, project, project_id=project.pk, mapping=used, files=list(files),
          model=options.model or None, annotator=options.annotator.username if options.annotator else None, **summary)
    return {**summary, "task_ids": task_ids, "mapping": used}
