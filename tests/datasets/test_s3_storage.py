"""On S3 storage (django-storages against moto's in-process S3), media is served by a short-lived signed URL."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from django.core.files.storage import default_storage

from annotation.services.assignments import task_next
from annotation.services.imports import project_import
from tests.datasets.conftest import S3_BUCKET

pytestmark = pytest.mark.django_db


def test_media_on_s3_answers_with_a_signed_url_that_expires(s3: Any, project, manager, annotator_a, client_for) -> None:
    text = io.BytesIO(b"Alice met Bob in Paris.")
    result = project_import(project=project, user=manager, records=[{"streams": [{"role": "t", "upload": "t.txt"}]}],
                            uploads={"t.txt": text})
    task = task_next(project=project, user=annotator_a)
    assert task is not None and task.pk == result["task_ids"][0]
    asset = task.item.streams.get().asset
    assert default_storage.exists(asset.storage_key)
    response = client_for(annotator_a).get(f"/api/assets/{asset.pk}/media")
    assert response.status_code == 302
    url = urlparse(response["Location"])
    query = parse_qs(url.query)
    assert url.path.endswith(asset.storage_key)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    assert boto3.client("s3", region_name="us-east-1").get_object(
        Bucket=S3_BUCKET, Key=asset.storage_key)["Body"].read() == b"Alice met Bob in Paris."


def test_a_large_object_read_from_s3_spills_to_disk_instead_of_memory(s3: Any) -> None:
    key = default_storage.save("datasets/1/assets/big.bin", io.BytesIO(b"\0" * (9 * 1024 * 1024)))
    small = default_storage.save("datasets/1/assets/small.bin", io.BytesIO(b"tiny"))
    with default_storage.open(key, "rb") as big_file, default_storage.open(small, "rb") as small_file:
        assert big_file.read(4) == b"\0\0\0\0" and small_file.read() == b"tiny"
        # SpooledTemporaryFile: rolled over to a real file past max_memory_size, in memory below it
        assert (big_file.file._rolled, small_file.file._rolled) == (True, False)
