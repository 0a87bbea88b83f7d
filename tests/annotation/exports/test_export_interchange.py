"""Exports that the target tool takes untouched, through the API: what the export job adds to the
pure writers (Tandem users' e-mails, media links matching the bundle, notes on what was left out)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pympi
import pytest
from export_helpers import download

from annotation.models import Prediction
from datasets.exports import read

pytestmark = pytest.mark.django_db


def _export(start_export: Any, client: Any, project: Any, body: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    response = start_export(project, body)
    assert response.status_code == 202, response.content
    job = client.get(f"/api/exports/{response.json()['id']}/").json()
    assert (job["status"], job["error"]) == ("succeeded", ""), job
    return job, download(client, job["id"])


def test_label_studio_annotators_are_the_users_e_mails_and_media_point_into_the_bundle(
        labeled: Any, start_export: Any, client_for: Any, manager: Any, media_files: Any) -> None:
    a, b, _ = labeled.annotators
    a.email = "ann.a@lab.example"
    a.save(update_fields=["email"])
    job, data = _export(start_export, client_for(manager), labeled.project,
                        {"format": "labelstudio", "include": "all", "media": "include"})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist()[:2] == ["audio+transcript+video/tasks.json", "audio+transcript+video/config.xml"]
        tasks = json.loads(zf.read("audio+transcript+video/tasks.json"))
        first = tasks[0]
        assert [x["completed_by"] for x in first["annotations"]] == [
            {"email": "ann.a@lab.example"}, {"email": f"{b.username}@tandem.local"},
            {"email": "annotator_c@tandem.local"}, {"email": "gold@tandem.local"}]
        # file storage gives no absolute url: Label Studio's local-files path to the bundled file
        video_url = first["data"]["video"]
        assert video_url == f"/data/local-files/?d=media/{labeled.video.storage_key}"
        assert zf.read(video_url.split("?d=", 1)[1]) == media_files["video"].read_bytes()
    assert job["result"]["written"] == 3


def test_eaf_media_links_resolve_in_the_unpacked_bundle(
        labeled: Any, start_export: Any, client_for: Any, manager: Any, media_files: Any, tmp_path: Path) -> None:
    _, data = _export(start_export, client_for(manager), labeled.project,
                      {"format": "eaf", "include": "submitted", "media": "include"})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    eaf = pympi.Elan.Eaf(str(tmp_path / "clip-0.eaf"))
    video, audio = eaf.media_descriptors
    assert (video["MIME_TYPE"], audio["MIME_TYPE"]) == ("video/mp4", "audio/x-wav")
    assert video["MEDIA_URL"] == f"file:///media/{labeled.video.storage_key}"
    assert (tmp_path / video["RELATIVE_MEDIA_URL"]).read_bytes() == media_files["video"].read_bytes()
    assert (tmp_path / audio["RELATIVE_MEDIA_URL"]).read_bytes() == media_files["audio"].read_bytes()


def test_an_empty_transcript_track_gets_no_subtitle_file_and_a_note(
        labeled: Any, start_export: Any, client_for: Any, manager: Any) -> None:
    Prediction.objects.create(task=labeled.tasks[1], model="vad", model_version="2", result={"regions": [
        {"id": "v1", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 900}]})
    job, data = _export(start_export, client_for(manager), labeled.project, {"format": "srt", "include": "all"})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert all(zf.read(n) for n in names)  # no 0-byte file
    assert not any("/prediction/vad/" in n for n in names)
    assert job["result"]["notes"] == ["clip-1/prediction/vad/words.srt: no transcript regions, no file written"]
    assert job["result"]["written"] == len(names)
    assert {r["external_id"] for r in read("srt", io.BytesIO(data), labeled.project.schema)} == {"clip-0", "clip-1"}


def test_coco_ground_truth_is_gold_else_the_chosen_annotator(
        labeled: Any, start_export: Any, client_for: Any, manager: Any) -> None:
    refused = start_export(labeled.project, {"format": "coco", "include": "all", "ground_truth": 7})
    assert refused.status_code == 400
    assert (refused.json()["field"], refused.json()["detail"]) == (
        "ground_truth", "'ground_truth' must be an annotator's user name (at most 150 characters).")
    job, data = _export(start_export, client_for(manager), labeled.project,
                        {"format": "coco", "include": "all", "ground_truth": "annotator_b"})
    assert job["params"]["ground_truth"] == "annotator_b"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        truth = json.loads(zf.read("instances.json"))
        names = zf.namelist()
    images = {i["id"]: i["external_id"] for i in truth["images"]}
    # clip-0 has gold; clip-1 has none, so annotator_b's boxes are its ground truth
    assert sorted({(images[b["image_id"]], b["annotation_kind"], b["annotator"]) for b in truth["annotations"]}) == [
        ("clip-0", "gold", None), ("clip-1", "human", "annotator_b")]
    assert names == ["instances.json", "results/human/annotator_a.json", "results/human/annotator_b.json",
                     "results/human/annotator_c.json", "results/prediction/whisper.json"]
