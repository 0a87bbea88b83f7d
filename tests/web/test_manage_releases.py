"""The manage page's releases list: version, format, size, content hash, who and when, download, remake."""

from __future__ import annotations

import pytest
from django.test import Client

from annotation.models import Job

pytestmark = pytest.mark.django_db

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def release(project, manager) -> Job:
    return Job.objects.create(project=project, kind=Job.Kind.EXPORT, status="succeeded", progress=100, created_by=manager,
                              params={"format": "jsonl", "include": "gold", "media": "references", "filters": {}},
                              release_name="v1.0", result={"bytes": 2048, "sha256": SHA, "release_hash": "abc"})


def test_the_progress_json_lists_releases_and_their_remakes_newest_first(project, manager, release) -> None:
    plain = Job.objects.create(project=project, kind=Job.Kind.EXPORT, status="succeeded", params={"format": "csv"})
    remake = Job.objects.create(project=project, kind=Job.Kind.EXPORT, status="running", progress=30, created_by=manager,
                                params={**release.params, "remake_of": release.pk})
    body = _client(manager).get(f"/projects/{project.pk}/manage/progress/").json()
    rows = body["releases"]
    assert [r["id"] for r in rows] == [remake.pk, release.pk]  # the plain export is not a release
    assert plain.pk not in [r["id"] for r in rows]
    first, second = rows
    assert {k: first[k] for k in ("version", "format", "status", "progress", "remake_of", "can_remake", "download_url")} == {
        "version": "v1.0 (remake)", "format": "jsonl", "status": "running", "progress": 30, "remake_of": release.pk,
        "can_remake": False, "download_url": None}
    assert {k: second[k] for k in ("version", "format", "status", "bytes", "sha256", "release_hash", "created_by",
                                   "can_remake", "download_url")} == {
        "version": "v1.0", "format": "jsonl", "status": "succeeded", "bytes": 2048, "sha256": SHA, "release_hash": "abc",
        "created_by": "manager", "can_remake": True, "download_url": f"/api/exports/{release.pk}/download"}
    assert second["created_at"] == release.created_at.isoformat()


def test_the_page_shows_the_release_row_with_size_hash_download_and_remake(project, manager, release) -> None:
    page = _client(manager).get(f"/projects/{project.pk}/manage/").content.decode()
    assert f'data-testid="release-{release.pk}"' in page
    assert "<td>v1.0</td><td>jsonl</td>" in page
    assert "2.0\xa0KB" in page
    assert f'<code title="{SHA}">{SHA[:16]}</code>' in page
    assert f'href="/api/exports/{release.pk}/download"' in page
    assert f'data-remake="{release.pk}"' in page
    assert f'data-exports-url="/api/projects/{project.pk}/exports/"' in page


def test_no_release_yet_says_how_to_make_one(project, manager) -> None:
    page = _client(manager).get(f"/projects/{project.pk}/manage/").content.decode()
    assert "No release yet: give an export a release name." in page
