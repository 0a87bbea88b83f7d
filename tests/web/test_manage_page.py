"""The manager's page: every form calls the same services as the API and reports errors on the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotation.models import Job, Membership, Task
from datasets.models import Stream

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_is_for_managers_only(project, manager, reviewer, outsider) -> None:
    assert _client(manager).get(f"/projects/{project.pk}/manage/").status_code == 200
    assert _client(reviewer).get(f"/projects/{project.pk}/manage/").status_code == 404
    assert _client(outsider).get(f"/projects/{project.pk}/manage/").status_code == 404
    assert _client(reviewer).post(f"/projects/{project.pk}/manage/members/",
                                  {"username": "reviewer", "role": "manager"}).status_code == 404
    assert Membership.objects.get(project=project, user=reviewer).role == "reviewer"


def test_a_manager_imports_adds_members_and_sees_errors_as_messages(project, manager, outsider) -> None:
    client = _client(manager)
    files = [SimpleUploadedFile("notes.txt", b"Alice met Bob in Paris."), SimpleUploadedFile("b.txt", b"Hello.")]
    page = client.post(f"/projects/{project.pk}/manage/import/", {"files": files}, follow=True)
    assert "Imported 2 items" in page.content.decode()
    assert Task.objects.filter(project=project).count() == 2

    client.post(f"/projects/{project.pk}/manage/members/", {"username": "outsider", "role": "annotator"})
    assert Membership.objects.get(project=project, user=outsider).role == "annotator"
    bad = client.post(f"/projects/{project.pk}/manage/members/", {"username": "nobody", "role": "annotator"}, follow=True)
    assert "No user named &#x27;nobody&#x27;." in bad.content.decode()

    junk = client.post(f"/projects/{project.pk}/manage/import/",
                       {"files": [SimpleUploadedFile("x.mp4", b"\x00\x01junk" * 20)]}, follow=True)
    assert junk.status_code == 200
    assert "not a video, audio, image or UTF-8 text" in junk.content.decode()
    assert Task.objects.filter(project=project).count() == 2


def test_a_manager_confirms_a_proposed_offset_and_starts_an_export(project, manager, make_items) -> None:
    [task] = make_items(project, 1)
    stream = task.item.streams.get()
    Stream.objects.filter(pk=stream.pk).update(proposed_offset_ms=240, offset_confidence=0.8)
    client = _client(manager)
    assert "240 ms" in client.get(f"/projects/{project.pk}/manage/").content.decode()
    client.post(f"/projects/{project.pk}/manage/streams/{stream.pk}/", {"offset_ms": ""})
    assert Stream.objects.get(pk=stream.pk).offset_ms == 240
    client.post(f"/projects/{project.pk}/manage/streams/{stream.pk}/", {"offset_ms": "-35"})
    assert Stream.objects.get(pk=stream.pk).offset_ms == -35

    page = client.post(f"/projects/{project.pk}/manage/export/", {"format": "jsonl", "include": "submitted",
                                                                  "media": "references"}, follow=True)
    assert "Export #" in page.content.decode()
    assert Job.objects.get(kind="export").params["format"] == "jsonl"
    bad = client.post(f"/projects/{project.pk}/manage/export/", {"format": "docx"}, follow=True)
    assert bad.status_code == 200 and Job.objects.filter(kind="export").count() == 1


def test_the_manage_import_maps_each_file_to_a_stream_role_of_the_schema(manager, tmp_path) -> None:
    import subprocess

    from annotation.services.projects import project_create

    schema = {"tracks": [{"name": "speech", "kind": "segment", "stream": "mic", "labels": [{"value": "speech"}]},
                         {"name": "entities", "kind": "span", "stream": "transcript", "labels": [{"value": "PER"}]}]}
    project = project_create(user=manager, name="Interviews", schema=schema, overlap=1)
    wav = tmp_path / "a.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(wav)],
                   check=True)
    client = _client(manager)
    page = client.get(f"/projects/{project.pk}/manage/").content.decode()
    assert 'data-stream-roles="mic:audio,transcript:text"' in page
    assert '<script src="/static/web/manage.js" nonce="' in page

    def files() -> list[SimpleUploadedFile]:
        return [SimpleUploadedFile("talk.wav", wav.read_bytes()), SimpleUploadedFile("talk.txt", b"Alice met Bob.")]

    # Roles guessed from the files' kinds (one audio -> mic, one text -> transcript), one item together.
    page = client.post(f"/projects/{project.pk}/manage/import/", {"files": files(), "group": "item"}, follow=True)
    assert "Imported 1 items" in page.content.decode()
    task = Task.objects.get(project=project)
    assert sorted(task.item.streams.values_list("role", flat=True)) == ["mic", "transcript"]
    # One item per file: each misses a role, so nothing is imported and the message names it.
    page = client.post(f"/projects/{project.pk}/manage/import/", {"files": files(), "group": "each"}, follow=True)
    assert "Item &#x27;talk.wav&#x27; has no stream with role &#x27;transcript&#x27;" in page.content.decode()
    # A role chosen in the form wins over the guess.
    page = client.post(f"/projects/{project.pk}/manage/import/",
                       {"files": files(), "roles": ["mic", "notes"], "group": "item"}, follow=True)
    assert "has no stream with role &#x27;transcript&#x27;" in page.content.decode()
    assert Task.objects.filter(project=project).count() == 1


def test_a_manager_changes_the_quality_settings_and_a_new_measure_recomputes(
        project, manager, monkeypatch, django_capture_on_commit_callbacks) -> None:
    import qa.receivers

    queued: list[tuple[str, int]] = []
    monkeypatch.setattr(qa.receivers, "enqueue_on_commit", lambda name, pk: queued.append((name, pk)))
    client = _client(manager)
    page = client.get(f"/projects/{project.pk}/manage/").content.decode()
    assert '<option value="time_sliced_alpha" selected>time-sliced alpha</option>' in page
    # The browser's own bounds on the inputs are the form's (annotation.models.OVERLAP_RANGE, THRESHOLD_RANGE).
    assert 'name="overlap" min="1" max="50"' in page
    assert 'name="agreement_threshold" min="-1.0" max="1.0"' in page
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(f"/projects/{project.pk}/manage/quality/",
                            {"overlap": "3", "agreement_measure": "segment_f1", "agreement_threshold": "0.75",
                             "merge_rule": "review", "allow_reopen": "on"}, follow=True)
    assert "recomputed as segment F1" in saved.content.decode()
    project.refresh_from_db()
    assert (project.overlap, project.agreement_measure, project.agreement_threshold, project.merge_rule,
            project.allow_reopen) == (3, "segment_f1", 0.75, "review", True)
    assert queued == [("qa.tasks.recompute_project_agreement", project.pk)]

    refused = client.post(f"/projects/{project.pk}/manage/quality/",
                          {"overlap": "0", "agreement_measure": "kappa", "agreement_threshold": "2",
                           "merge_rule": "review"}, follow=True).content.decode()
    assert ("Annotators per task: Ensure this value is greater than or equal to 1. Agreement measure: Select a "
            "valid choice. kappa is not one of the available choices. Review below: Ensure this value is less than "
            "or equal to 1.0.") in refused
    project.refresh_from_db()
    assert (project.overlap, project.agreement_measure, project.allow_reopen) == (3, "segment_f1", True)
