"""Model pre-labels: the project's mapping of pre-labelers onto tracks, pre-label jobs, predictions.

A project says which registered pre-labeler fills which of its tracks (and from which stream) in
``Project.prelabelers``. A run is a ``Job`` of kind ``prelabel`` whose params hold a snapshot of
the mapping it runs with, so editing the project mid-run does not change a running job. The
worker (``annotation.tasks.prelabel``) writes one ``Prediction`` per (task, pre-labeler): a rerun
of the same model version leaves an unchanged row untouched, a new version replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

from django.db import transaction

from annotation.models import Job, JobStatus, Prediction, Project, Task
from annotation.prelabel import registry
from annotation.schema import ResultContext, ResultError, validate_result
from annotation.serializers_jobs import prelabel_job_payload
from common.audit import audit
from common.dispatch import enqueue_on_commit
from common.errors import Conflict, InvalidInput

MAPPING_KEYS = ("prelabeler", "track", "label", "stream", "text_stream", "options")


class PrelabelEntry(TypedDict):
    """One checked entry of a project's pre-labeler mapping, as ``prelabel_mapping_check`` returns it."""

    prelabeler: str
    track: str
    label: NotRequired[str]  # absent on a transcript track
    stream: NotRequired[str]  # the media stream role, for a pre-labeler that reads audio or video
    text_stream: NotRequired[str]  # the text stream role, for a pre-labeler that reads text
    options: NotRequired[dict[str, Any]]  # the pre-labeler's own extras
REQUEST_KEYS = ("prelabelers", "tasks")
#: Options the platform sets itself; a mapping's ``options`` may not override them.
RESERVED_OPTIONS = frozenset({"track", "label", "model_dir"})
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
MAX_TASK_IDS = 100_000


def _entry_name(index: int, entry: Any) -> str:
    """How an entry is named in errors: its position plus what it maps, when readable."""
    where = f"prelabelers[{index}]"
    if isinstance(entry, Mapping) and isinstance(entry.get("prelabeler"), str):
        return f"{where} ({entry['prelabeler']} → {entry.get('track')!s})"
    return where


def _bad(index: int, entry: Any, key: str | None, message: str) -> InvalidInput:
    field = f"prelabelers[{index}]" + (f".{key}" if key else "")
    return InvalidInput(f"{_entry_name(index, entry)}: {message}", field=field, entry=index)


def _role(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def prelabel_mapping_check(project: Project, mapping: Any) -> list[PrelabelEntry]:
    """Check ``mapping`` against the registry and the project's schema; return it normalised.

    Each entry names a registered pre-labeler, a schema track whose kind that pre-labeler fills,
    a label of that track (required except on transcript tracks), the stream role it reads
    (``stream``; ``text_stream`` too for a pre-labeler that needs text) and optional extra
    ``options``. A pre-labeler may be mapped once: its predictions are one row per task.
    The first bad entry raises InvalidInput naming it (``prelabelers[1] (vad → speech): …``).
    """
    if not isinstance(mapping, list):
        raise InvalidInput("'prelabelers' must be a list of mappings.", field="prelabelers")
    tracks = {t["name"]: t for t in project.schema.get("tracks", []) if isinstance(t, Mapping)}
    seen: set[str] = set()
    out: list[PrelabelEntry] = []
    for i, entry in enumerate(mapping):
        if not isinstance(entry, Mapping):
            raise _bad(i, entry, None, "must be an object.")
        unknown = sorted(set(entry) - set(MAPPING_KEYS))
        if unknown:
            raise _bad(i, entry, unknown[0], f"unknown key '{unknown[0]}'; use {', '.join(MAPPING_KEYS)}.")
        name = entry.get("prelabeler")
        try:
            prelabeler = registry.get(name) if isinstance(name, str) else None
        except KeyError:
            prelabeler = None
        if prelabeler is None or not isinstance(name, str):
            raise _bad(i, entry, "prelabeler",
                       f"unknown pre-labeler {name!r}; available: {', '.join(registry.available())}.")
        if name in seen:
            raise _bad(i, entry, "prelabeler", f"pre-labeler '{name}' is mapped twice; map each one once.")
        seen.add(name)
        track = tracks.get(entry.get("track"))  # type: ignore[arg-type]
        if track is None:
            raise _bad(i, entry, "track", f"track {entry.get('track')!r} is not in the project's schema.")
        if track["kind"] not in prelabeler.fills:
            raise _bad(i, entry, "track", f"pre-labeler '{name}' fills {' or '.join(prelabeler.fills)} tracks; "
                                          f"track '{track['name']}' is a {track['kind']} track.")
        normal: PrelabelEntry = {"prelabeler": name, "track": track["name"]}
        values = [lab["value"] for lab in track.get("labels", [])]
        label = entry.get("label")
        if label is None and track["kind"] != "transcript":
            raise _bad(i, entry, "label", f"a label of track '{track['name']}' is required ({', '.join(values)}).")
        if label is not None:
            if label not in values:
                raise _bad(i, entry, "label", f"label {label!r} is not in track '{track['name']}'.")
            normal["label"] = label
        media = [k for k in prelabeler.needs if k != "text"]
        if media:
            if not _role(entry.get("stream")):
                raise _bad(i, entry, "stream", f"name the {media[0]} stream role it reads in 'stream'.")
            normal["stream"] = entry["stream"]
        if "text" in prelabeler.needs:
            if not _role(entry.get("text_stream")):
                raise _bad(i, entry, "text_stream", "name the text stream role of the transcript in 'text_stream'.")
            normal["text_stream"] = entry["text_stream"]
        options = entry.get("options", {})
        if not isinstance(options, Mapping):
            raise _bad(i, entry, "options", "must be an object.")
        reserved = sorted(RESERVED_OPTIONS & set(options))
        if reserved:
            raise _bad(i, entry, "options", f"option '{reserved[0]}' is set by the platform.")
        if options:
            normal["options"] = dict(options)
        out.append(normal)
    return out


def _requested_names(data: Mapping[str, Any], mapping: Sequence[Mapping[str, Any]]) -> list[str]:
    mapped = [m["prelabeler"] for m in mapping]
    names = data.get("prelabelers")
    if names is None:
        return mapped
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise InvalidInput("'prelabelers' must be a non-empty list of pre-labeler names.", field="prelabelers")
    missing = [n for n in names if n not in mapped]
    if missing:
        raise InvalidInput(f"Pre-labeler '{missing[0]}' is not mapped in this project; mapped: "
                           f"{', '.join(mapped)}.", field="prelabelers")
    return [n for n in mapped if n in set(names)]


def _requested_tasks(data: Mapping[str, Any], project: Project) -> list[int] | None:
    ids = data.get("tasks")
    if ids is None:
        return None
    if (not isinstance(ids, list) or not ids or len(ids) > MAX_TASK_IDS
            or not all(isinstance(t, int) and not isinstance(t, bool) for t in ids)):
        raise InvalidInput(f"'tasks' must be a non-empty list of at most {MAX_TASK_IDS} task ids.", field="tasks")
    wanted = sorted(set(ids))
    found = set(Task.objects.filter(project=project, pk__in=wanted).values_list("pk", flat=True))
    missing = [t for t in wanted if t not in found]
    if missing:
        raise InvalidInput(f"No task {missing[0]} in this project.", field="tasks", missing=missing[:20])
    return wanted


def prelabel_start(*, project: Project, user: Any, data: Any) -> Job:
    """Validate a run request, create its job and queue the worker after commit.

    ``data``: ``{"prelabelers": [names] (default: every mapped one), "tasks": [ids] (default: all)}``.
    A pre-label job of the project still queued or running answers 409 with that job: runs of one
    project write the same prediction rows, so they go one at a time.
    """

    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidInput("Send a JSON object.")
    unknown = sorted(set(data) - set(REQUEST_KEYS))
    if unknown:
        raise InvalidInput(f"Unknown field '{unknown[0]}'; use {', '.join(REQUEST_KEYS)}.", field=unknown[0])
    mapping = prelabel_mapping_check(project, project.prelabelers)
    if not mapping:
        raise InvalidInput("The project maps no pre-labelers onto its tracks; set its 'prelabelers' first.",
                           field="prelabelers")
    names = _requested_names(data, mapping)
    task_ids = _requested_tasks(data, project)
    params = {"prelabelers": names, "tasks": task_ids,
              "mapping": [m for m in mapping if m["prelabeler"] in names]}
    with transaction.atomic():
        # Serialise starts per project so two requests cannot both pass the check below.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        running = (Job.objects.filter(project=project, kind=Job.Kind.PRELABEL, status__in=ACTIVE)
                   .select_related("created_by").order_by("id").first())
        if running is not None:
            raise Conflict("A pre-label run of this project is already queued or running.",
                           job=prelabel_job_payload(running))
        job = Job.objects.create(project=project, kind=Job.Kind.PRELABEL, params=params, created_by=user)
        audit(user, "prelabel.start", job, project_id=project.pk, prelabelers=names,
              tasks=len(task_ids) if task_ids is not None else "all")
        job_id = job.pk
        enqueue_on_commit("annotation.tasks.prelabel.run_prelabel", job_id)
    return job


def prelabel_regions(schema: Mapping[str, Any], entry: Mapping[str, Any], regions: Sequence[Mapping[str, Any]]
                     ) -> list[dict[str, Any]]:
    """A pre-labeler's regions placed on the mapped track and label, numbered, checked against the schema.

    Ids are ``{prelabeler}-{n}``, unique within the prediction whatever the pre-labeler did.
    An interval a model made empty (an interpolated word at a single instant) gets 1 ms so that
    it stays a valid, editable region. Raises ResultError when a region still breaks the schema.
    """
    track = next(t for t in schema.get("tracks", []) if t.get("name") == entry["track"])
    kind = track["kind"]
    # a redaction keeps the reason its pre-labeler found (name, number…) when the track has it
    reasons = {lab["value"] for lab in track.get("labels", [])} if kind == "redact" else set()
    out: list[dict[str, Any]] = []
    for n, region in enumerate(regions, start=1):
        placed = {**region, "id": f"{entry['prelabeler']}-{n}", "track": entry["track"]}
        if region.get("label") in reasons:
            pass
        elif "label" in entry:
            placed["label"] = entry["label"]
        else:
            placed.pop("label", None)
        if kind in ("segment", "transcript") and isinstance(placed.get("start_ms"), int) \
                and isinstance(placed.get("end_ms"), int) and placed["end_ms"] <= placed["start_ms"]:
            placed["end_ms"] = placed["start_ms"] + 1
        if "score" in placed and placed["score"] is not None:
            placed["score"] = float(placed["score"])
        out.append(placed)
    validate_result(schema, {"regions": out}, ResultContext())
    return out


def _mean_score(regions: Sequence[Mapping[str, Any]]) -> float | None:
    scores = [float(r["score"]) for r in regions if isinstance(r.get("score"), int | float)]
    return round(sum(scores) / len(scores), 4) if scores else None


def prediction_store(*, task_id: int, model: str, version: str, regions: Sequence[Mapping[str, Any]] | None,
                     error: str = "") -> str:
    """Write the one prediction row of (task, model); return ``written``, ``superseded`` or ``unchanged``.

    Same version, same result and same error as stored: nothing is written (``updated_at`` keeps
    its value). A different version replaces the row's content (``superseded``). A failed item is
    stored with its error and an empty result.
    """
    result = {"regions": [dict(r) for r in regions or []]}
    score = _mean_score(result["regions"]) if not error else None
    existing = Prediction.objects.filter(task_id=task_id, model=model).first()
    if (existing is not None and existing.model_version == version and existing.result == result
            and existing.error == error and existing.score == score):
        return "unchanged"
    Prediction.objects.update_or_create(
        task_id=task_id, model=model,
        defaults={"model_version": version, "result": result, "score": score, "error": error[:4000]},
    )
    return "superseded" if existing is not None and existing.model_version != version else "written"


def prelabel_store_item(schema: Mapping[str, Any], entry: Mapping[str, Any], task_id: int, version: str,
                        regions: Sequence[Mapping[str, Any]] | None, error: str | None) -> tuple[str, str | None]:
    """Store one item's outcome; return (write outcome, the item's error or None).

    Regions that do not fit the project's schema turn into that item's error.
    """
    if error is None:
        try:
            placed = prelabel_regions(schema, entry, regions or [])
        except ResultError as exc:
            error = f"suggestion does not fit the schema: {exc}"
        else:
            return prediction_store(task_id=task_id, model=entry["prelabeler"], version=version,
                                    regions=placed), None
    return prediction_store(task_id=task_id, model=entry["prelabeler"], version=version, regions=None,
                            error=error), error
