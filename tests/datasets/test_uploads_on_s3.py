"""Resumable uploads and import previews on S3 storage (django-storages against moto's in-process S3).

Chunks and previews are objects of the bucket, not files of the web host that took them; the
chunks of a finished upload and a confirmed preview are deleted.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotation.models import Prediction
from datasets.models import Asset
from tests.datasets.conftest import S3_BUCKET
from tests.datasets.imports import samples

pytestmark = pytest.mark.django_db



def _keys(client: Any, prefix: str) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=S3_BUCKET, Prefix=prefix).get("Contents", []))


def test_a_chunked_upload_keeps_its_chunks_in_the_bucket_and_deletes_them_when_done(
        s3: Any, project: Any, manager: Any, client_for: Any, tmp_path: Path,
        django_capture_on_commit_callbacks: Any) -> None:
    path = tmp_path / "a.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-ar", "16000", str(path)], check=True)
    wav = path.read_bytes()
    client = client_for(manager)
    upload = client.post(f"/api/projects/{project.pk}/uploads/", {"filename": "a.wav", "size": len(wav)},
                         format="json").json()
    step = 20_000
    offsets = list(range(0, len(wav), step))
    for offset in offsets[:-1]:
        answer = client.generic("PATCH", upload["url"], wav[offset:offset + step],
                                content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET=str(offset))
        assert answer.status_code == 200, answer.content
    assert _keys(s3, "uploads/") == [f"uploads/chunks/{upload['id']}/{o:016d}" for o in offsets[:-1]]
    with django_capture_on_commit_callbacks(execute=True):
        last = client.generic("PATCH", upload["url"], wav[offsets[-1]:],
                              content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET=str(offsets[-1]))
    assert last.status_code == 200, last.content
    asset = Asset.objects.get(pk=last.json()["asset"]["id"])
    stored = s3.get_object(Bucket=S3_BUCKET, Key=asset.storage_key)["Body"].read()
    assert (hashlib.sha256(stored).hexdigest(), asset.sha256) == (hashlib.sha256(wav).hexdigest(),) * 2
    assert _keys(s3, "uploads/") == []


def test_an_import_preview_is_kept_in_the_bucket_until_it_is_confirmed(
        s3: Any, project: Any, manager: Any, make_items: Any, tmp_path: Path) -> None:
    make_items(project, 1, duration_ms=10_000)  # external id item-0
    client = Client()
    client.force_login(manager)
    url = f"/projects/{project.pk}/manage/annotations-import/"
    grid = samples.textgrid_file(tmp_path)
    html = client.post(url, {"file": SimpleUploadedFile("item-0.TextGrid", grid)}).content.decode()
    assert "1 item matched" in html
    found = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert found is not None
    token = found.group(1)
    kept = f"uploads/previews/{project.pk}/{token}"
    assert _keys(s3, "uploads/") == [kept, f"{kept}.name"]
    assert s3.get_object(Bucket=S3_BUCKET, Key=kept)["Body"].read() == grid
    mapping = '{"speech": {"track": "speech", "labels": {"speech": "speech", "music": null}}, "events": null}'
    done = client.post(url, {"token": token, "mapping": mapping, "as": "prelabel", "model": "praat"})
    assert (done.status_code, done["Location"]) == (302, f"/projects/{project.pk}/manage/")
    assert [r["start_ms"] for r in Prediction.objects.get().result["regions"]] == [1000]
    assert _keys(s3, "uploads/") == []
