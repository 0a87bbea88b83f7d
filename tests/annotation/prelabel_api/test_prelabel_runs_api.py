"""Pre-label runs over REST: real generated speech in, predictions on the spoken parts out."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db import OperationalError

from annotation.models import Job, Prediction, Project, Task
from annotation.prelabel import asr, vad
from annotation.services.prelabel import prelabel_mapping_check
from annotation.tasks import prelabel as prelabel_tasks
from common.errors import InvalidInput
from datasets.models import Asset

pytestmark = pytest.mark.django_db

TOLERANCE_MS = 150  # Silero's 30 ms padding plus its end-of-speech hangover
VAD_SPEECH = {"prelabeler": "vad", "track": "speech", "label": "speech", "stream": "mic"}
ALIGN_WORDS = {"prelabeler": "align", "track": "words", "stream": "mic", "text_stream": "transcript"}
SHOTS_MUSIC = {"prelabeler": "shots", "track": "speech", "label": "music", "stream": "video"}


@pytest.fixture
def start(client_for: Callable[[User], Any], manager: User, django_capture_on_commit_callbacks: Any
          ) -> Callable[..., Any]:
    """POST a pre-label run with on-commit callbacks executed, so the queued task runs inline."""

    def post(project: Project, body: dict[str, Any] | None = None, user: User | None = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(user or manager).post(f"/api/projects/{project.pk}/prelabel/", body or {}, format="json")

    return post


def asset_of(task: Task, role: str = "mic") -> Asset:
    """The asset behind one stream of a task's item."""
    return task.item.streams.get(role=role).asset


def _job(client: Any, job_id: int) -> dict[str, Any]:
    response = client.get(f"/api/prelabel-jobs/{job_id}/")
    assert response.status_code == 200, response.content
    return dict(response.json())


def _predictions(client: Any, task: Task) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/tasks/{task.pk}/predictions/")
    assert response.status_code == 200, response.content
    return {p["model"]: p for p in response.json()["results"]}


def test_vad_and_align_runs_put_segments_and_words_on_the_spoken_parts(
        project: Project, add_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        start: Callable[..., Any], speech: tuple[bytes, list[tuple[int, int]]], phrases: tuple[str, ...],
        manager: User, client_for: Callable[[User], Any]) -> None:
    data, truth = speech
    offsets = [0, 300, 0]
    tasks = add_items(project, [(f"clip-{i}.wav", data, off) for i, off in enumerate(offsets)])
    map_prelabelers(project, [VAD_SPEECH, ALIGN_WORDS])

    response = start(project)
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["kind"], body["params"]["prelabelers"], body["params"]["tasks"]) == (
        "queued", "prelabel", ["vad", "align"], None)

    client = client_for(manager)
    job = _job(client, body["id"])
    assert (job["status"], job["progress"], job["error"]) == ("succeeded", 100, "")
    result = job["result"]
    assert {k: result[k] for k in ("items_ok", "items_failed", "failures", "predictions_written",
                                   "predictions_superseded", "predictions_unchanged", "device")} == {
        "items_ok": 6, "items_failed": 0, "failures": [], "predictions_written": 6,
        "predictions_superseded": 0, "predictions_unchanged": 0, "device": "cpu"}
    assert result["by_prelabeler"]["vad"]["version"] == vad.version

    words = [w for phrase in phrases for w in phrase.split()]
    phrase_of_word = [n for n, phrase in enumerate(phrases) for _ in phrase.split()]
    for task, offset in zip(tasks, offsets, strict=True):
        predictions = _predictions(client, task)
        assert sorted(predictions) == ["align", "vad"]
        segments = predictions["vad"]["result"]["regions"]
        assert predictions["vad"]["model_version"] == vad.version and predictions["vad"]["error"] == ""
        assert [r["id"] for r in segments] == ["vad-1", "vad-2"]
        assert {(r["track"], r["label"]) for r in segments} == {("speech", "speech")}
        for region, (s, e) in zip(segments, truth, strict=True):
            assert abs(region["start_ms"] - offset - s) <= TOLERANCE_MS
            assert abs(region["end_ms"] - offset - e) <= TOLERANCE_MS
        assert predictions["vad"]["score"] == round(sum(r["score"] for r in segments) / 2, 4)

        aligned = predictions["align"]["result"]["regions"]
        assert [r["text"] for r in aligned] == words
        assert [r["id"] for r in aligned] == [f"align-{n}" for n in range(1, len(words) + 1)]
        assert all("label" not in r and r["track"] == "words" for r in aligned)
        for region, phrase in zip(aligned, phrase_of_word, strict=True):
            s, e = truth[phrase]
            assert s + offset - TOLERANCE_MS <= region["start_ms"] < region["end_ms"] <= e + offset + TOLERANCE_MS
    assert Prediction.objects.filter(task__project=project).count() == 6


def test_a_rerun_writes_nothing_new_and_a_new_model_version_supersedes(
        project: Project, add_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        start: Callable[..., Any], speech: tuple[bytes, list[tuple[int, int]]], manager: User,
        client_for: Callable[[User], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    [task] = add_items(project, [("clip.wav", speech[0], 0)])
    map_prelabelers(project, [VAD_SPEECH])
    client = client_for(manager)
    first = _job(client, start(project).json()["id"])
    assert (first["status"], first["result"]["predictions_written"]) == ("succeeded", 1)
    row = Prediction.objects.get(task=task, model="vad")

    again = _job(client, start(project, {"prelabelers": ["vad"], "tasks": [task.pk]}).json()["id"])
    assert again["status"] == "succeeded"
    assert (again["result"]["predictions_written"], again["result"]["predictions_unchanged"]) == (0, 1)
    assert again["params"]["tasks"] == [task.pk]
    same = Prediction.objects.get(task=task, model="vad")
    assert (same.pk, same.updated_at, same.result) == (row.pk, row.updated_at, row.result)

    monkeypatch.setattr(vad, "version", "silero-6.2.3+2")
    newer = _job(client, start(project).json()["id"])
    assert (newer["result"]["predictions_written"], newer["result"]["predictions_superseded"],
            newer["result"]["predictions_unchanged"]) == (1, 1, 0)
    assert newer["result"]["by_prelabeler"]["vad"]["version"] == "silero-6.2.3+2"
    replaced = Prediction.objects.get(task=task, model="vad")
    assert (replaced.pk, replaced.model_version, replaced.result) == (row.pk, "silero-6.2.3+2", row.result)
    assert replaced.updated_at > row.updated_at
    assert Prediction.objects.filter(task=task).count() == 1


def test_broken_media_fails_only_its_own_item_with_a_readable_error(
        project: Project, add_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        start: Callable[..., Any], speech: tuple[bytes, list[tuple[int, int]]], corrupt_wav: bytes, manager: User,
        client_for: Callable[[User], Any]) -> None:
    data, truth = speech
    good, overwritten, failed, missing = add_items(project, [
        ("good.wav", data, 0), ("overwritten.wav", data, 0), ("corrupt.wav", corrupt_wav, 0), ("missing.wav", data, 0)])
    # processed while intact, broken afterwards: the asset says ready but the bytes cannot be decoded
    with open(default_storage.path(asset_of(overwritten).storage_key), "wb") as fh:
        fh.write(corrupt_wav)
    default_storage.delete(asset_of(missing).storage_key)
    bad_asset = asset_of(failed)
    assert bad_asset.status == "failed"
    map_prelabelers(project, [VAD_SPEECH])

    job = _job(client_for(manager), start(project).json()["id"])
    assert (job["status"], job["progress"]) == ("partial", 100)  # not "succeeded" with three items lost
    assert (job["result"]["items_ok"], job["result"]["items_failed"], job["result"]["predictions_written"]) == (1, 3, 4)
    errors = {f["task"]: f["error"] for f in job["result"]["failures"]}
    assert sorted(errors) == sorted([overwritten.pk, failed.pk, missing.pk])
    assert job["error"] == f"3 of 4 items failed; the first: task {overwritten.pk} (vad): {errors[overwritten.pk]}"
    assert errors[failed.pk] == f"stream 'mic' (asset {bad_asset.pk}) is not ready: it is failed: {bad_asset.error}"
    assert bad_asset.error.startswith("unsupported format or corrupt file")
    assert errors[missing.pk] == f"stream 'mic' (asset {asset_of(missing).pk}): the file is missing from storage"
    assert errors[overwritten.pk].startswith("InvalidDataError: ")
    for task in (overwritten, failed, missing):
        row = Prediction.objects.get(task=task, model="vad")
        assert (row.error, row.result, row.score, row.model_version) == (errors[task.pk], {"regions": []}, None,
                                                                        vad.version)
    kept = Prediction.objects.get(task=good, model="vad")
    assert kept.error == "" and len(kept.result["regions"]) == len(truth)


def test_asr_without_a_model_directory_reports_not_configured_on_every_item(
        project: Project, add_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        start: Callable[..., Any], speech: tuple[bytes, list[tuple[int, int]]], manager: User,
        client_for: Callable[[User], Any], settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.TANDEM_ASR_MODEL_DIR = ""
    tasks = add_items(project, [(f"{n}.wav", speech[0], 0) for n in "abc"])
    map_prelabelers(project, [{"prelabeler": "asr", "track": "words", "stream": "mic"}])
    seen: list[int] = []
    monkeypatch.setattr(prelabel_tasks, "job_set_progress", lambda job_id, pct: seen.append(pct))
    job = _job(client_for(manager), start(project).json()["id"])
    assert (job["status"], job["progress"]) == ("failed", 100)  # no item got a suggestion
    assert job["error"] == f"Every item failed (3); the first: task {tasks[0].pk} (asr): {asr.NOT_CONFIGURED}"
    assert seen == [1 + 98 * 2 // 3, 99]  # after each batch of two
    assert job["result"]["failures"] == [{"task": t.pk, "prelabeler": "asr", "error": asr.NOT_CONFIGURED} for t in tasks]
    assert list(Prediction.objects.filter(task__in=tasks).order_by("task_id").values_list("error", "result")) == [
        (asr.NOT_CONFIGURED, {"regions": []})] * 3


def test_a_database_hiccup_is_retried_and_a_lasting_one_fails_the_job_after_the_cap(
        project: Project, make_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        start: Callable[..., Any], manager: User, client_for: Callable[[User], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    [task] = make_items(project, 1)
    map_prelabelers(project, [VAD_SPEECH])
    real = prelabel_tasks.prelabel_execute
    calls: list[int] = []

    def flaky(job: Job, **kwargs: Any) -> dict[str, Any]:
        calls.append(job.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(job, **kwargs)

    monkeypatch.setattr(prelabel_tasks, "prelabel_execute", flaky)
    job = _job(client_for(manager), start(project).json()["id"])
    # retried once, then ran to the end: its only item, text-only, has no "mic" stream
    assert (job["status"], len(calls), job["result"]["items_ok"]) == ("failed", 2, 0)
    assert job["result"]["failures"] == [
        {"task": task.pk, "prelabeler": "vad", "error": "the item has no stream 'mic' (streams: transcript)"}]

    def down(job: Job, **kwargs: Any) -> dict[str, Any]:
        calls.append(job.pk)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(prelabel_tasks, "prelabel_execute", down)
    calls.clear()
    job = _job(client_for(manager), start(project).json()["id"])
    assert (job["status"], len(calls)) == ("failed", prelabel_tasks.MAX_RETRIES + 1)
    assert job["error"] == f"Gave up after {prelabel_tasks.MAX_RETRIES} retries: OperationalError: could not connect to server"


def _cut_video(path: Path) -> bytes:
    """Two seconds at 25 fps: red, then a hard cut to blue at exactly 1000 ms."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=160x120:r=25:d=1",
                    "-f", "lavfi", "-i", "color=c=blue:s=160x120:r=25:d=1", "-filter_complex",
                    "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-g", "25", str(path)], check=True)
    return path.read_bytes()


def test_shots_become_segments_from_the_video_analysis(
        project: Project, add_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        start: Callable[..., Any], manager: User, client_for: Callable[[User], Any], tmp_path: Path) -> None:
    [task] = add_items(project, [("cut.mp4", _cut_video(tmp_path / "cut.mp4"), 40)])
    map_prelabelers(project, [{"prelabeler": "shots", "track": "speech", "label": "music", "stream": "mic"}])
    job = _job(client_for(manager), start(project).json()["id"])
    assert (job["status"], job["result"]["items_ok"]) == ("succeeded", 1)
    regions = Prediction.objects.get(task=task, model="shots").result["regions"]
    assert [(r["id"], r["label"], r["start_ms"], r["end_ms"], r["score"]) for r in regions] == [
        ("shots-1", "music", 40, 1040, 1.0), ("shots-2", "music", 1040, 2040, 1.0)]


def test_only_managers_start_or_read_runs(
        project: Project, make_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        client_for: Callable[[User], Any], start: Callable[..., Any], manager: User, reviewer: User,
        annotator_a: User, outsider: User) -> None:
    make_items(project, 1)
    map_prelabelers(project, [VAD_SPEECH])
    for user, code in ((annotator_a, 403), (reviewer, 403), (outsider, 404)):
        assert start(project, user=user).status_code == code
    assert not Job.objects.exists()
    job_id = client_for(manager).post(f"/api/projects/{project.pk}/prelabel/", {}, format="json").json()["id"]
    for user, code in ((annotator_a, 403), (reviewer, 403), (outsider, 404)):
        client = client_for(user)
        assert client.get(f"/api/projects/{project.pk}/prelabel/").status_code == code
        assert client.get(f"/api/prelabel-jobs/{job_id}/").status_code == code
    assert Job.objects.count() == 1


BAD_ENTRIES = [
    ({**VAD_SPEECH, "prelabeler": "nope"}, "prelabeler",
     "prelabelers[1] (nope → speech): unknown pre-labeler 'nope'; available: align, asr, faces, ocr, pii, shots, vad."),
    ({**VAD_SPEECH, "track": "laughs"}, "track",
     "prelabelers[1] (vad → laughs): track 'laughs' is not in the project's schema."),
    ({**VAD_SPEECH, "track": "words"}, "track",
     "prelabelers[1] (vad → words): pre-labeler 'vad' fills segment tracks; track 'words' is a transcript track."),
    ({**VAD_SPEECH, "label": "laugh"}, "label",
     "prelabelers[1] (vad → speech): label 'laugh' is not in track 'speech'."),
    ({k: v for k, v in VAD_SPEECH.items() if k != "stream"}, "stream",
     "prelabelers[1] (vad → speech): name the audio stream role it reads in 'stream'."),
    ({k: v for k, v in ALIGN_WORDS.items() if k != "text_stream"}, "text_stream",
     "prelabelers[1] (align → words): name the text stream role of the transcript in 'text_stream'."),
    ({**VAD_SPEECH, "options": {"track": "events"}}, "options",
     "prelabelers[1] (vad → speech): option 'track' is set by the platform."),
    (SHOTS_MUSIC, "prelabeler",
     "prelabelers[1] (shots → speech): pre-labeler 'shots' is mapped twice; map each one once."),
]


@pytest.mark.parametrize(("entry", "key", "detail"), BAD_ENTRIES)
def test_a_bad_mapping_gets_400_naming_the_entry_and_starts_nothing(
        project: Project, start: Callable[..., Any], manager: User, client_for: Callable[[User], Any],
        entry: dict[str, Any], key: str, detail: str) -> None:
    patched = client_for(manager).patch(f"/api/projects/{project.pk}/", {"prelabelers": [SHOTS_MUSIC, entry]},
                                        format="json")
    assert patched.status_code == 400
    assert patched.json() == {"detail": detail, "field": f"prelabelers[1].{key}", "entry": 1}
    assert Project.objects.get(pk=project.pk).prelabelers == []
    # A mapping stored before the schema changed under it is caught again when a run starts.
    Project.objects.filter(pk=project.pk).update(prelabelers=[SHOTS_MUSIC, entry])
    response = start(project)
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "field": f"prelabelers[1].{key}", "entry": 1}
    assert not Job.objects.exists()


def test_a_good_mapping_comes_back_normalised(project: Project) -> None:
    mapping = [{**VAD_SPEECH, "options": {"threshold": 0.6}}, {**ALIGN_WORDS}]
    assert prelabel_mapping_check(project, mapping) == mapping
    with pytest.raises(InvalidInput) as caught:
        prelabel_mapping_check(project, [{"prelabeler": "shots", "track": "speech"}])
    assert caught.value.detail == "prelabelers[0] (shots → speech): a label of track 'speech' is required (speech, music)."


def test_a_run_while_one_is_queued_gets_409_with_that_job(
        project: Project, make_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        manager: User, client_for: Callable[[User], Any]) -> None:
    [task] = make_items(project, 1)
    map_prelabelers(project, [VAD_SPEECH])
    client = client_for(manager)
    first = client.post(f"/api/projects/{project.pk}/prelabel/", {"tasks": [task.pk]}, format="json")
    assert first.status_code == 202  # on-commit callbacks never run here, so the job stays queued
    second = client.post(f"/api/projects/{project.pk}/prelabel/", {}, format="json")
    assert second.status_code == 409
    assert second.json()["detail"] == "A pre-label run of this project is already queued or running."
    assert (second.json()["job"]["id"], second.json()["job"]["status"]) == (first.json()["id"], "queued")
    assert Job.objects.count() == 1


def test_run_requests_name_what_is_wrong(
        project: Project, other_project: Project, make_items: Callable[..., list[Task]],
        map_prelabelers: Callable[..., Project], manager: User, client_for: Callable[[User], Any]) -> None:
    [other_task] = make_items(other_project, 1)
    client = client_for(manager)
    url = f"/api/projects/{project.pk}/prelabel/"
    assert client.post(url, {}, format="json").json() == {
        "detail": "The project maps no pre-labelers onto its tracks; set its 'prelabelers' first.",
        "field": "prelabelers"}
    map_prelabelers(project, [VAD_SPEECH])
    cases = [
        ({"prelabelers": ["align"]}, "Pre-labeler 'align' is not mapped in this project; mapped: vad."),
        ({"tasks": [other_task.pk]}, f"No task {other_task.pk} in this project."),
        ({"tasks": "all"}, "'tasks' must be a non-empty list of at most 100000 task ids."),
        ({"model": "vad"}, "Unknown field 'model'; use prelabelers, tasks."),
    ]
    for body, detail in cases:
        response = client.post(url, body, format="json")
        assert (response.status_code, response.json()["detail"]) == (400, detail)
    assert not Job.objects.exists()


def test_runs_are_listed_newest_first_in_pages(
        project: Project, make_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        manager: User, client_for: Callable[[User], Any]) -> None:
    make_items(project, 1)
    map_prelabelers(project, [VAD_SPEECH])
    client = client_for(manager)
    ids = []
    for _ in range(3):
        ids.append(client.post(f"/api/projects/{project.pk}/prelabel/", {}, format="json").json()["id"])
        Job.objects.filter(pk=ids[-1]).update(status="succeeded")
    page = client.get(f"/api/projects/{project.pk}/prelabel/?page_size=2").json()
    assert (page["count"], [j["id"] for j in page["results"]]) == (3, ids[:0:-1])
    rest = client.get(page["next"]).json()
    assert [j["id"] for j in rest["results"]] == [ids[0]]
