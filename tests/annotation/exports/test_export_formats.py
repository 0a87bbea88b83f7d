"""Every format through the API, read back with the format's reader; filters, media bundles, releases."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import pytest
from export_helpers import VIDEO_H, VIDEO_W, download, prediction_regions, regions

from annotation.models import Job
from annotation.selectors_exports import export_records
from datasets.exports import FORMATS, read
from datasets.exports.base import dumps

pytestmark = pytest.mark.django_db

ALL_KINDS = {"segment", "point", "transcript", "span", "box", "relation"}
#: What each format carries: track kinds, region fields, whether region ids survive.
CARRIED: dict[str, tuple[set[str], tuple[str, ...] | None, bool]] = {
    "csv": (ALL_KINDS, None, True),
    "webvtt": ({"transcript"}, ("track", "start_ms", "end_ms", "text"), True),
    "srt": ({"transcript"}, ("track", "start_ms", "end_ms", "text"), False),
    "eaf": ({"segment", "point", "transcript"}, ("track", "label", "start_ms", "end_ms", "time_ms", "text"), False),
    "textgrid": ({"segment", "point", "transcript"}, ("track", "label", "start_ms", "end_ms", "time_ms", "text"), False),
    "coco": ({"box"}, ("id", "track", "label", "keyframes", "score"), True),
}
WHOLE_RECORD_FORMATS = ("jsonl", "json", "labelstudio", "hf")


def _kinds(schema: dict[str, Any]) -> dict[str, str]:
    return {t["name"]: t["kind"] for t in schema["tracks"]}


def _by_annotation(records: list[dict[str, Any]], schema: dict[str, Any], fmt: str) -> dict[tuple[str, str, str], list[bytes]]:
    """(item, annotation kind, annotator) → the carried regions as canonical JSON, sorted."""
    kinds, (carried, fields, keep_id) = _kinds(schema), CARRIED[fmt]
    out: dict[tuple[str, str, str], list[bytes]] = {}
    for record in records:
        for ann in record["annotations"]:
            kept = []
            for region in ann["regions"]:
                if kinds[region["track"]] not in carried:
                    continue
                r = {k: v for k, v in region.items() if fields is None or k in fields}
                if not keep_id:
                    r.pop("id", None)
                kept.append(dumps(r))
            if kept:
                out[(str(record["external_id"]), ann["kind"], ann["annotator"] or "")] = sorted(kept)
    return out


def _export(start_export: Any, client: Any, project: Any, body: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    response = start_export(project, body)
    assert response.status_code == 202, response.content
    job = client.get(f"/api/exports/{response.json()['id']}/").json()
    assert (job["status"], job["progress"], job["error"]) == ("succeeded", 100, ""), job
    return job, download(client, job["id"])


def test_every_annotation_kind_reaches_the_records_with_media_facts(labeled: Any) -> None:
    records = list(export_records(labeled.project, {"include": "all", "filters": {}}))
    assert [r["external_id"] for r in records] == ["clip-0", "clip-1", "clip-2"]
    first = records[0]
    assert [(a["kind"], a["annotator"]) for a in first["annotations"]] == [
        ("human", "annotator_a"), ("human", "annotator_b"), ("human", "annotator_c"), ("gold", None),
        ("prediction", "whisper")]
    assert [a["regions"] for a in first["annotations"]] == [
        regions(0), regions(1), regions(2), labeled.gold_regions[labeled.tasks[0].pk], prediction_regions()]
    assert first["annotations"][4]["model_version"] == "tiny-1"
    video, audio, text = first["streams"]
    assert video == {"role": "video", "kind": "video", "uri": labeled.video.storage_key,
                     "container": labeled.video.meta["container"], "offset_ms": 0,
                     "duration_ms": labeled.video.meta["duration_ms"], "sha256": labeled.video.sha256,
                     "fps": 25.0, "width": VIDEO_W, "height": VIDEO_H}
    assert (audio["uri"], audio["offset_ms"], audio["sha256"], audio["duration_ms"]) == (
        labeled.audio.storage_key, 120, labeled.audio.sha256, 1000)
    assert text["kind"] == "text" and "fps" not in text
    assert first["texts"] == {"transcript": "Alice met Bob in Paris. #0"}
    # the draft and the failed prediction on clip-2 are not exported
    assert records[2]["annotations"] == []


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_reads_back_region_by_region(fmt: Any, labeled: Any, start_export: Any, client_for: Any, manager: Any) -> None:
    client = client_for(manager)
    project = labeled.project
    job, data = _export(start_export, client, project, {"format": fmt, "include": "all"})
    expected = list(export_records(project, {"include": "all", "filters": {}}))
    spec = FORMATS[fmt]
    assert job["result"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert job["result"]["bytes"] == len(data)
    assert (job["result"]["items"], job["result"]["regions"]) == (3, 2 * (3 * 8 + 3) + 7)
    assert job["result"]["mime_type"] == spec.mime_type
    back = list(read(fmt, io.BytesIO(data), project.schema))
    if fmt in WHOLE_RECORD_FORMATS:
        assert back == expected
    else:
        assert _by_annotation(back, project.schema, fmt) == _by_annotation(expected, project.schema, fmt)


def test_filters_select_items_by_label_agreement_status_provenance_and_date(labeled: Any, start_export: Any, client_for: Any, manager: Any) -> None:
    client = client_for(manager)
    project = labeled.project
    cases = [
        ({"include": "gold", "filters": {"labels": ["music"]}}, ["clip-0"]),
        ({"include": "submitted", "filters": {"labels": ["clap"]}}, ["clip-0", "clip-1"]),
        ({"include": "submitted", "filters": {"agreement_gte": 0.5}}, ["clip-0"]),
        ({"include": "submitted", "filters": {"status": ["review", "open"]}}, ["clip-1", "clip-2"]),
        ({"include": "submitted", "filters": {"provenance": "synthetic"}}, []),
        ({"include": "submitted", "filters": {"created_after": "2000-01-01", "created_before": "2999-01-01"}},
         ["clip-0", "clip-1", "clip-2"]),
        ({"include": "submitted", "filters": {"created_after": "2999-01-01"}}, []),
    ]
    for body, items in cases:
        _, data = _export(start_export, client, project, {"format": "jsonl", **body})
        back = list(read("jsonl", io.BytesIO(data), project.schema))
        assert [r["external_id"] for r in back] == items, body
    # include decides whose work is in: gold only, then humans + gold, then predictions too
    kinds = {}
    for include in ("gold", "submitted", "all"):
        _, data = _export(start_export, client, project, {"format": "jsonl", "include": include,
                                                          "filters": {"status": ["gold"]}})
        kinds[include] = [a["kind"] for a in next(read("jsonl", io.BytesIO(data), project.schema))["annotations"]]
    assert kinds == {"gold": ["gold"], "submitted": ["human"] * 3 + ["gold"],
                     "all": ["human"] * 3 + ["gold", "prediction"]}


def test_media_include_bundles_the_files_with_a_single_file_format(labeled: Any, start_export: Any, client_for: Any, manager: Any, media_files: Any) -> None:
    client = client_for(manager)
    project = labeled.project
    job, data = _export(start_export, client, project, {"format": "jsonl", "include": "gold", "media": "include"})
    assert job["result"]["mime_type"] == "application/zip"
    assert job["result"]["file_name"].endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        records = list(read("jsonl", io.BytesIO(zf.read("export.jsonl")), project.schema))
        text_keys = [r["streams"][2]["uri"] for r in records]
        assert names == ["export.jsonl", f"media/{labeled.video.storage_key}", f"media/{labeled.audio.storage_key}",
                         *(f"media/{k}" for k in text_keys)]
        assert zf.read(f"media/{labeled.video.storage_key}") == media_files["video"].read_bytes()
        assert zf.read(f"media/{labeled.audio.storage_key}") == media_files["audio"].read_bytes()
        assert zf.read(f"media/{text_keys[1]}") == b"Alice met Bob in Paris. #1"
    assert job["result"]["media_files"] == 5


def test_media_include_adds_media_into_a_zipped_format(labeled: Any, start_export: Any, client_for: Any, manager: Any, media_files: Any) -> None:
    client = client_for(manager)
    project = labeled.project
    _, plain = _export(start_export, client, project, {"format": "eaf", "include": "submitted"})
    _, bundled = _export(start_export, client, project, {"format": "eaf", "include": "submitted", "media": "include"})
    with zipfile.ZipFile(io.BytesIO(plain)) as a, zipfile.ZipFile(io.BytesIO(bundled)) as b:
        assert b.namelist()[:3] == a.namelist() == ["clip-0.eaf", "clip-1.eaf", "clip-2.eaf"]
        assert all(a.read(n) == b.read(n) for n in a.namelist())
        assert b.read(f"media/{labeled.video.storage_key}") == media_files["video"].read_bytes()
    assert list(read("eaf", io.BytesIO(bundled), project.schema)) == list(read("eaf", io.BytesIO(plain), project.schema))


def test_a_release_stores_its_manifest_and_a_remake_gives_the_same_bytes(labeled: Any, start_export: Any, client_for: Any, manager: Any) -> None:
    client = client_for(manager)
    project = labeled.project
    release, data = _export(start_export, client, project, {"format": "hf", "include": "all", "release": "v1.0"})
    manifest = release["result"]["manifest"]
    assert release["release_name"] == "v1.0"
    assert release["result"]["file_name"] == "v1.0-hf.zip"
    assert manifest["agreement"] == {"mean": pytest.approx(0.65), "min": 0.4, "count": 2}
    assert manifest["counts"]["items"] == 3
    assert manifest["counts"]["annotations"] == 9
    assert manifest["counts"]["per_annotation_kind"] == {"human": 6, "gold": 1, "prediction": 2}
    assert manifest["files"] == {"v1.0-hf.zip": hashlib.sha256(data).hexdigest()}
    assert manifest["schema"]["version"] == project.schema_version
    assert len(manifest["media"]) == 5
    assert {labeled.video.sha256, labeled.audio.sha256} < {m["sha256"] for m in manifest["media"]}
    assert len(release["result"]["release_hash"]) == 64

    remake, again = _export(start_export, client, project, {"remake_of": release["id"]})
    assert again == data
    assert remake["result"]["sha256"] == release["result"]["sha256"]
    assert (remake["result"]["remake_of"], remake["result"]["same_bytes"]) == (release["id"], True)
    assert release["params"]["release"] == "v1.0"
    assert remake["params"] == {**{k: v for k, v in release["params"].items() if k != "release"},
                                "remake_of": release["id"]}
    assert Job.objects.get(pk=remake["id"]).release_name == ""

    # Work goes on after the release: a plain export changes, a remake of the release does not.
    from annotation.models import Annotation

    changed = Annotation.objects.filter(task__project=project, kind="human").order_by("id").first()
    Annotation.objects.filter(pk=changed.pk).update(result={"regions": []})
    _, current = _export(start_export, client, project, {"format": "hf", "include": "all"})
    assert current != data
    remade_later, later = _export(start_export, client, project, {"remake_of": release["id"]})
    assert later == data and remade_later["result"]["same_bytes"] is True

    duplicate = start_export(project, {"format": "csv", "release": "v1.0"})
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "release"
