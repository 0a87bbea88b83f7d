"""The manage page's live state: job progress bars and per-stream media status, polled as JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from annotation.models import Job
from datasets.models import Asset

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_progress_json_and_the_page_show_jobs_and_media_with_errors(project, manager, reviewer, make_items) -> None:
    tasks = make_items(project, 2)
    broken = tasks[1].item.streams.get().asset
    Asset.objects.filter(pk=broken.pk).update(status="failed", error="ffprobe: moov atom not found")
    export = Job.objects.create(project=project, kind=Job.Kind.EXPORT, status="running", progress=40,
                                params={"format": "jsonl"})
    run = Job.objects.create(project=project, kind=Job.Kind.PRELABEL, status="failed", progress=75, error="no model")
    client = _client(manager)
    body = client.get(f"/projects/{project.pk}/manage/progress/").json()
    assert body == {
        "jobs": [{"id": run.pk, "kind": "prelabel", "status": "failed", "progress": 75, "error": "no model"},
                 {"id": export.pk, "kind": "export", "status": "running", "progress": 40, "error": ""}],
        "releases": [],
        "media": {"counts": {"ready": 1, "failed": 1}, "total": 2,
                  "streams": [{"item": "item-1", "role": "transcript", "kind": "text", "status": "failed",
                               "error": "ffprobe: moov atom not found"}]},
    }
    page = client.get(f"/projects/{project.pk}/manage/").content.decode()
    assert f'<progress max="100" value="40" data-job-progress="{export.pk}"></progress>' in page
    assert f'<progress max="100" value="75" data-job-progress="{run.pk}"></progress>' in page
    assert '<progress max="2" value="1" data-testid="media-progress"></progress>' in page
    assert "1 of 2 streams ready, 1 failed" in page
    assert '<td class="error">ffprobe: moov atom not found</td>' in page
    assert f'data-progress-url="/projects/{project.pk}/manage/progress/"' in page
    assert _client(reviewer).get(f"/projects/{project.pk}/manage/progress/").status_code == 404
