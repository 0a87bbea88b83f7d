"""The Label Studio export imported, untouched, into a real Label Studio 1.23 and read back.

Label Studio runs from its own virtualenv (.venv-ls, made by `make`) on loopback with SQLite in
a temporary folder. Per data shape: a project with the exported ``config.xml``, a Local Storage
on the unpacked ``media`` folder, the exported tasks imported through the API, then every task
read back: annotators, results (field by field), predictions, and the media urls served.
"""

from __future__ import annotations

import io
import json
import wave
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import labelstudio_server as ls
import pytest
from conftest import SCHEMA, make_records

from datasets.exports import FORMATS
from datasets.exports.labelstudio import regions_of


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path]]:
    """A Label Studio started from the migrated template; (API client, local-files document root)."""
    with ls.running(tmp_path_factory.mktemp("label-studio")) as started:
        yield started


def _ok(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text[:2000]
    return response.json()


def _email(completed_by: Any, users: dict[int, str]) -> str:
    """The annotator's e-mail: the task API gives the user object, the export API its id."""
    return str(completed_by["email"]) if isinstance(completed_by, dict) else users[completed_by]


def _wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 800)
    return buf.getvalue()


def test_the_export_imports_untouched_and_reads_back_equal(label_studio: tuple[httpx.Client, Path]) -> None:
    client, root = label_studio
    records = make_records()
    buf = io.BytesIO()
    FORMATS["labelstudio"].writer(SCHEMA, records, buf)
    # the export with media included, unpacked into Label Studio's document root
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        zf.extractall(root)
        shapes = [name.split("/")[0] for name in zf.namelist() if name.endswith("/tasks.json")]
    media = {s["uri"]: _wav() + bytes([n]) for n, s in enumerate(s for r in records for s in r["streams"])}
    for uri, body in media.items():
        (root / "media" / uri).parent.mkdir(parents=True, exist_ok=True)
        (root / "media" / uri).write_bytes(body)
    # the annotators as users of the organization, by the e-mails the export names
    for who in ("ann_a", "ann_b", "ann_c", "rev_r"):
        _ok(client.post("/api/users/", json={"email": f"{who}@tandem.local", "username": who}), 201)
    users = {u["id"]: u["email"] for u in _ok(client.get("/api/users/"), 200)}

    assert shapes == ["audio+transcript+video", "audio"]
    by_item = {r["item_id"]: r for r in records}
    for shape in shapes:
        config = (root / shape / "config.xml").read_text()
        exported = json.loads((root / shape / "tasks.json").read_text())
        project = _ok(client.post("/api/projects/", json={"title": shape, "label_config": config}), 201)
        _ok(client.post("/api/storages/localfiles/", json={
            "project": project["id"], "path": str(root / "media"), "title": "media", "use_blob_urls": False}), 201)
        done = _ok(client.post(f"/api/projects/{project['id']}/import", json=exported), 201)
        assert (done["task_count"], done["annotation_count"], done["prediction_count"]) == (
            len(exported), sum(len(t["annotations"]) for t in exported), sum(len(t["predictions"]) for t in exported))
        listed = _ok(client.get("/api/tasks/", params={"project": project["id"], "fields": "all"}), 200)
        ids = sorted(t["id"] for t in listed["tasks"])
        for mine, task_id in zip(exported, ids, strict=True):
            theirs = _ok(client.get(f"/api/tasks/{task_id}/"), 200)
            assert theirs["data"] == mine["data"]
            got = [(_email(a["completed_by"], users), a["ground_truth"], a["result"]) for a in theirs["annotations"]]
            assert got == [(a["completed_by"]["email"], a["ground_truth"], a["result"]) for a in mine["annotations"]]
            assert [(p["model_version"], p["result"]) for p in theirs["predictions"]] == \
                   [(p["model_version"], p["result"]) for p in mine["predictions"]]
            # and the regions Label Studio holds are the regions Tandem exported
            record = by_item[mine["data"]["item_id"]]
            assert [regions_of(a["result"], SCHEMA) for a in theirs["annotations"] + theirs["predictions"]] == \
                   [a["regions"] for a in record["annotations"] if a["kind"] != "prediction"] + \
                   [a["regions"] for a in record["annotations"] if a["kind"] == "prediction"]
            # the media urls resolve: Label Studio serves the bundled files
            for stream in record["streams"]:
                if stream["kind"] in ("audio", "video"):
                    served = client.get(mine["data"][stream["role"]])
                    assert (served.status_code, served.content) == (200, media[stream["uri"]])
