"""The export REST API: who may export, validation, duplicates, failures and retry, streamed downloads."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage

from annotation.models import Job
from common.models import AuditEvent
from datasets.exports import FORMATS

pytestmark = pytest.mark.django_db


def _stored_exports() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT) / "exports"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(("body", "field"), [
    ({"format": "docx"}, "format"),
    ({}, "format"),
    ({"format": "csv", "include": "everything"}, "include"),
    ({"format": "csv", "media": "inline"}, "media"),
    ({"format": "csv", "filters": {"status": ["done"]}}, "filters.status"),
    ({"format": "csv", "filters": {"status": "gold"}}, "filters.status"),
    ({"format": "csv", "filters": {"labels": ["cat"]}}, "filters.labels"),
    ({"format": "csv", "filters": {"created_after": "2026-13-45"}}, "filters.created_after"),
    ({"format": "csv", "filters": {"created_before": 20260101}}, "filters.created_before"),
    ({"format": "csv", "filters": {"created_after": "2026-02-01", "created_before": "2026-01-01"}},
     "filters.created_before"),
    ({"format": "csv", "filters": {"agreement_gte": "high"}}, "filters.agreement_gte"),
    ({"format": "csv", "filters": {"agreement_gte": 3}}, "filters.agreement_gte"),
    ({"format": "csv", "filters": {"provenance": "scraped"}}, "filters.provenance"),
    ({"format": "csv", "filters": {"colour": "red"}}, "filters.colour"),
    ({"format": "csv", "filters": ["gold"]}, "filters"),
    ({"format": "csv", "release": "../v1"}, "release"),
    ({"format": "csv", "speed": "fast"}, "speed"),
    ({"remake_of": 999_999}, "remake_of"),
])
def test_a_bad_request_gets_400_naming_the_field_and_creates_no_job(body: Any, field: Any, project: Any, start_export: Any) -> None:
    response = start_export(project, body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert Job.objects.count() == 0


def test_only_managers_export_and_others_create_nothing(project: Any, other_project: Any, make_items: Any, start_export: Any, client_for: Any, reviewer: Any, annotator_a: Any, outsider: Any, manager: Any) -> None:
    make_items(project, 1)
    assert start_export(project, {"format": "csv"}, user=reviewer).status_code == 403
    assert start_export(project, {"format": "csv"}, user=annotator_a).status_code == 403
    assert start_export(project, {"format": "csv"}, user=outsider).status_code == 404
    assert Job.objects.count() == 0
    job_id = start_export(project, {"format": "csv"}).json()["id"]
    for user, code in ((reviewer, 403), (annotator_a, 403), (outsider, 404)):
        client = client_for(user)
        assert client.get(f"/api/projects/{project.pk}/exports/").status_code == code
        assert client.get(f"/api/exports/{job_id}/").status_code == code
        assert client.get(f"/api/exports/{job_id}/download").status_code == code
        assert client.post(f"/api/exports/{job_id}/retry/").status_code == code
    assert client_for(manager).get(f"/api/exports/{job_id}/").status_code == 200


def test_a_duplicate_while_queued_gets_409_with_the_running_job(project: Any, make_items: Any, client_for: Any, manager: Any, django_capture_on_commit_callbacks: Any) -> None:
    make_items(project, 2)
    client = client_for(manager)
    body = {"format": "jsonl", "include": "submitted", "filters": {"labels": ["speech", "clap"], "status": ["gold"]}}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(f"/api/projects/{project.pk}/exports/", body, format="json")
    assert first.status_code == 202
    assert len(callbacks) == 1  # the task is queued only on commit
    assert first.json()["status"] == "queued"
    # same params in another order → still the same export
    again = {"filters": {"status": ["gold"], "labels": ["clap", "speech"]}, "include": "submitted", "format": "jsonl"}
    duplicate = client.post(f"/api/projects/{project.pk}/exports/", again, format="json")
    assert duplicate.status_code == 409
    assert duplicate.json()["job"]["id"] == first.json()["id"]
    assert duplicate.json()["job"]["status"] == "queued"
    other = client.post(f"/api/projects/{project.pk}/exports/", {**body, "format": "csv"}, format="json")
    assert other.status_code == 202
    assert Job.objects.count() == 2
    not_ready = client.get(f"/api/exports/{first.json()['id']}/download")
    assert not_ready.status_code == 409


def test_a_failing_writer_fails_the_job_leaves_no_file_and_retry_succeeds(labeled: Any, start_export: Any, client_for: Any, manager: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any) -> None:
    def broken(schema: Any, records: Any, out: Any, **options: Any) -> int:
        for n, _ in enumerate(records):
            out.write(b"partial row\n")
            if n == 1:
                raise ValueError("disk quota exceeded")
        return 0

    monkeypatch.setitem(FORMATS, "csv", dataclasses.replace(FORMATS["csv"], writer=broken))
    client = client_for(manager)
    response = start_export(labeled.project, {"format": "csv", "include": "all"})
    assert response.status_code == 202
    job = client.get(f"/api/exports/{response.json()['id']}/").json()
    assert job["status"] == "failed"
    assert job["error"] == "The csv writer failed: ValueError: disk quota exceeded"
    assert job["download_url"] is None
    assert _stored_exports() == []
    assert client.get(f"/api/exports/{job['id']}/download").status_code == 409

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/api/exports/{job['id']}/retry/")
    assert retried.status_code == 202
    done = client.get(f"/api/exports/{job['id']}/").json()
    assert (done["status"], done["progress"], done["error"]) == ("succeeded", 100, "")
    assert _stored_exports() == [f"{labeled.project.pk}/{job['id']}/{done['result']['file_name']}"]
    # succeeded is final: a second retry is a conflict
    assert client.post(f"/api/exports/{job['id']}/retry/").status_code == 409
    assert list(AuditEvent.objects.filter(target_type="job", target_id=str(job["id"])).order_by("id").values_list("action", flat=True)) == [
        "export.create", "export.retry"]


def test_download_streams_the_exact_stored_bytes_with_a_safe_name(labeled: Any, start_export: Any, client_for: Any, manager: Any) -> None:
    labeled.project.name = 'Interviews "2026" / résumé'
    labeled.project.save()
    client = client_for(manager)
    job_id = start_export(labeled.project, {"format": "csv", "include": "submitted"}).json()["id"]
    job = Job.objects.get(pk=job_id)
    response = client.get(f"/api/exports/{job_id}/download")
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    with default_storage.open(job.file_key, "rb") as fh:
        assert body == fh.read()
    assert job.file_key == f"exports/{labeled.project.pk}/{job_id}/Interviews-2026-r-sum-export-{job_id}.csv"
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="Interviews-2026-r-sum-export-{job_id}.csv"'
    assert response["Content-Length"] == str(len(body))
    assert hashlib.sha256(body).hexdigest() == job.result["sha256"] == response["X-Content-SHA256"]
    assert body.splitlines()[0].startswith(b"item_id,external_id,annotator")
    assert len(body.splitlines()) == 1 + job.result["regions"] == 1 + 2 * 24 + 7
    assert AuditEvent.objects.filter(action="export.download", target_id=str(job_id)).count() == 1


def test_the_list_pages_the_projects_exports_newest_first(labeled: Any, start_export: Any, client_for: Any, manager: Any, other_project: Any, outsider: Any) -> None:
    ids = [start_export(labeled.project, {"format": fmt, "release": f"r{n}"}).json()["id"]
           for n, fmt in enumerate(["csv", "jsonl", "srt"])]
    start_export(other_project, {"format": "csv"}, user=outsider)
    page = client_for(manager).get(f"/api/projects/{labeled.project.pk}/exports/?page_size=2").json()
    assert page["count"] == 3
    assert [j["id"] for j in page["results"]] == ids[::-1][:2]
    assert all("manifest" not in j["result"] for j in page["results"])
    assert page["results"][0]["download_url"] == f"/api/exports/{ids[2]}/download"
    detail = client_for(manager).get(f"/api/exports/{ids[0]}/").json()
    assert detail["result"]["manifest"]["counts"]["items"] == 3
    assert detail["created_by"] == "manager"


def test_a_remake_of_something_that_is_not_a_release_is_refused(labeled: Any, start_export: Any) -> None:
    plain = start_export(labeled.project, {"format": "csv"}).json()
    response = start_export(labeled.project, {"remake_of": plain["id"]})
    assert response.status_code == 400
    assert response.json()["field"] == "remake_of"
    mixed = start_export(labeled.project, {"remake_of": plain["id"], "format": "json"})
    assert mixed.status_code == 400


def test_a_transient_database_error_is_retried_and_a_lasting_one_gives_up(labeled: Any, start_export: Any, client_for: Any, manager: Any, monkeypatch: Any) -> None:
    from django.db import OperationalError

    real = FORMATS["jsonl"].writer
    calls = []

    def flaky(schema: Any, records: Any, out: Any, **options: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(schema, records, out, **options)

    monkeypatch.setitem(FORMATS, "jsonl", dataclasses.replace(FORMATS["jsonl"], writer=flaky))
    client = client_for(manager)
    first = client.get(f"/api/exports/{start_export(labeled.project, {'format': 'jsonl'}).json()['id']}/").json()
    assert (first["status"], len(calls), first["result"]["items"]) == ("succeeded", 2, 3)

    def down(schema: Any, records: Any, out: Any, **options: Any) -> int:
        calls.append(1)
        raise ConnectionError("broker unreachable")

    calls.clear()
    monkeypatch.setitem(FORMATS, "jsonl", dataclasses.replace(FORMATS["jsonl"], writer=down))
    job = client.get(f"/api/exports/{start_export(labeled.project, {'format': 'jsonl', 'include': 'all'}).json()['id']}/").json()
    assert len(calls) == 1 + 5
    assert (job["status"], job["error"]) == ("failed", "Gave up after 5 retries: ConnectionError: broker unreachable")
    # only the first job's file is in storage
    assert _stored_exports() == [f"{labeled.project.pk}/{first['id']}/{first['result']['file_name']}"]
