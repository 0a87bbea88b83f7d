"""Importing annotations made elsewhere (ELAN, Praat, WebVTT/SRT, Label Studio, Tandem exports).

Two steps, both from what ``datasets.imports`` reads out of the uploaded files (annotation layers,
and the media files beside them):

- **plan** (the dry run): the layers found, the items they name matched to the project's tasks
  (``annotation_import_items``), the items the upload's media would make, and a mapping
  ``{layer: {"track": name or null, "labels": {file value: label or null}}}`` suggested by name,
  starting from the mapping the last import of the project used.
- **apply**: every region converted through the mapping and checked against the schema
  (``annotation_import_regions``), every new item's streams checked against the schema's roles,
  and only then everything written in one transaction: new items with their media first, then
  the results, so a bad region anywhere writes nothing (400 naming the file, the tier and the
  annotation) and stores no media.

What the regions become (``as``): ``prelabel`` — one Prediction per task under a model name;
``gold`` — through ``gold_write``, the audited path (an open task is completed first, as the
state machine wants); ``human`` — the submitted annotation of a named annotator who is a member,
or, when none is named, of each annotator the file names (a member by username or e-mail),
written as the queue would (``annotation_import_writes``). A task on which that annotator
already has an annotation or skipped is refused by name. Layers whose item is neither a task nor
media of the upload are an error, or with ``unmatched="skip"`` left out and counted. The mapping
used is kept in the import's audit event, which is where the next plan reads it from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.contrib.auth.models import User
from django.db import transaction

from annotation.models import Project
from annotation.services.annotation_import_items import ItemPlan, item_records, items_create, plan_items
from annotation.services.annotation_import_regions import Target, build_results, tracks_of
from annotation.services.annotation_import_writes import check_human, file_people, gold_import_write, human_write
from annotation.services.prelabel import prediction_store
from common.audit import audit
from common.errors import InvalidInput
from common.models import AuditEvent
from datasets.imports import ImportFormatError, MediaFile, SourceLayer, read_bundle

ACTION = "annotations.import"
TARGETS = ("prelabel", "human", "gold")
UNMATCHED = ("error", "skip")



class LayerMapping(TypedDict):
    """Where one file layer goes: a track (None: left out) and each file value's label (None: left out)."""

    track: str | None
    labels: dict[str, str | None]


class PlanLayer(TypedDict):
    """One layer name of the upload as the dry run lists it (over every file that has it)."""

    layer: str
    files: list[str]
    regions: int
    values: list[str]  # the distinct values, the first 200
    annotators: list[str]


@dataclass
class Upload:
    """What the uploaded files hold: annotation layers, media files, and the upload each media file is in."""

    names: list[str] = field(default_factory=list)
    layers: list[SourceLayer] = field(default_factory=list)
    media: list[MediaFile] = field(default_factory=list)
    sources: dict[str, Any] = field(default_factory=dict)  # MediaFile.file -> bytes or a file object


def read_uploads(files: Sequence[tuple[str, Any]]) -> Upload:
    """Every uploaded file (bytes or a seekable file object) read; one that cannot be read is a 400 naming it."""
    if not files:
        raise InvalidInput("Send the annotation file (or a zip of them) as 'file'.")
    out = Upload()
    for name, source in files:
        try:
            bundle = read_bundle(name, source)
        except ImportFormatError as exc:
            raise InvalidInput(str(exc), file=exc.file, tier=exc.layer, annotation=exc.annotation) from None
        out.names.append(name)
        out.layers += bundle.layers
        out.media += bundle.media
        out.sources.update({m.file: source for m in bundle.media})
    if not out.layers:
        raise InvalidInput("The upload holds media but no annotation file (.eaf, .TextGrid, .vtt, .srt, .json, "
                           ".jsonl); send them together.")
    return out


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


def saved_mapping(project: Project) -> dict[str, dict[str, Any]]:
    """The mapping the project's last annotation import used ({} before the first)."""
    event = AuditEvent.objects.filter(project_id=project.pk, action=ACTION).order_by("-at", "-id").first()
    mapping = (event.data or {}).get("mapping") if event is not None else None
    return dict(mapping) if isinstance(mapping, dict) else {}


def suggest_mapping(project: Project, layers: Sequence[SourceLayer]) -> dict[str, LayerMapping]:
    """Each layer to the track of the same name (any case), its values to labels of the same value;
    what the last import mapped wins where it still fits the schema."""
    tracks = tracks_of(project)
    by_lower = {name.lower(): name for name in tracks}
    saved = saved_mapping(project)
    out: dict[str, LayerMapping] = {}
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
        if len(values) == 1:  # a region without a value (a relation without a label) takes a track's only label
            values[""] = next(iter(values.values()))
        old_labels = (saved.get(layer.layer) or {}).get("labels") or {}
        for region in layer.regions:
            if region.value not in entry["labels"]:
                kept = old_labels.get(region.value)
                entry["labels"][region.value] = kept if kept in values.values() else values.get(region.value.lower())
    return out


def plan(project: Project, upload: Upload) -> dict[str, Any]:
    """The dry run: what the files hold, which items they name, the items their media would make,
    and a suggested mapping."""
    layers = upload.layers
    items = plan_items(project, layers, upload.media)
    found: dict[str, PlanLayer] = {}
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
        target = items.target(layer)
        if isinstance(target, int):
            matched[layer.item_key] = target
        elif target is None and layer.item_key not in unmatched:
            unmatched.append(layer.item_key)
    new = [{"key": item.external_id, "files": [m.file for m in item.media]} for item in items.new.values()]
    return {"layers": list(found.values()), "mapping": suggest_mapping(project, layers),
            "items": {"matched": [{"key": k, "task": v} for k, v in matched.items()], "new": new,
                      "unmatched": unmatched}}


@dataclass(frozen=True)
class Options:
    target: str  # one of TARGETS
    model: str = ""  # prelabel: the model name the suggestions go under
    annotator: User | None = None  # human: whose annotations they become
    unmatched: str = "error"  # one of UNMATCHED: what a layer whose item is nowhere does


def _check_options(options: Options) -> None:
    if options.target not in TARGETS:
        raise InvalidInput(f"'as' must be one of {', '.join(TARGETS)}.")
    if options.target == "prelabel" and not 0 < len(options.model) <= 64:
        raise InvalidInput("A pre-label import needs a model name of 1-64 characters ('model').")
    if options.unmatched not in UNMATCHED:
        raise InvalidInput(f"'unmatched' must be one of {', '.join(UNMATCHED)}.")


def _check_owners(project: Project, results: Mapping[tuple[Target, str | None], Any], options: Options,
                  people: Mapping[str, User]) -> None:
    """A human import may not give anyone a second annotation of a task (new items have none)."""
    owners: dict[int, list[int]] = defaultdict(list)
    for target, who in results:
        owner = options.annotator or people[str(who)]
        owners[owner.pk].extend([target] if isinstance(target, int) else [])
    for owner_id, owned in owners.items():
        check_human(project, User.objects.get(pk=owner_id), owned)


@transaction.atomic
def annotations_import(*, project: Project, user: User, upload: Upload, mapping: Mapping[str, Any],
                       options: Options) -> dict[str, Any]:
    """Check everything, then write everything (see the module docstring); returns what was written."""
    _check_options(options)
    layers = upload.layers
    source = {"model": options.model, "version": "import"} if options.target == "prelabel" else None
    by_annotator = options.target == "human" and options.annotator is None
    people = file_people(project, layers, mapping) if by_annotator else {}
    items: ItemPlan = plan_items(project, layers, upload.media)
    records = item_records(project, items)
    built = build_results(project, layers, mapping, items, source, by_annotator, options.unmatched == "skip")
    if options.target == "human":
        _check_owners(project, built.results, options, people)
    # Everything is checked: only now are media stored and rows written.
    created = items_create(project, user, items, records, upload.sources)
    results: dict[tuple[int, str | None], list[dict[str, Any]]] = {}
    for (target, who), regions in built.results.items():
        results[(target if isinstance(target, int) else created[target], who)] = regions
    task_ids = sorted({task_id for task_id, _who in results})
    detail = {"import": {"files": list(upload.names)}}
    for (task_id, who), regions in sorted(results.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if options.target == "prelabel":
            prediction_store(task_id=task_id, model=options.model, version="import", regions=regions)
        elif options.target == "gold":
            gold_import_write(task_id, user, regions, detail)
        else:
            human_write(task_id, options.annotator or people[str(who)], user, regions)
    summary = {"as": options.target, "tasks": len(task_ids), "regions": sum(len(r) for r in results.values()),
               "items_created": len(created), "items_skipped": len(built.skipped)}
    used = {k: v for k, v in mapping.items() if isinstance(v, Mapping)}
    audit(user, ACTION, project, project_id=project.pk, mapping=used, files=list(upload.names),
          model=options.model or None, annotator=options.annotator.username if options.annotator else None, **summary)
    return {**summary, "task_ids": task_ids, "created": created, "skipped": built.skipped, "mapping": used}
