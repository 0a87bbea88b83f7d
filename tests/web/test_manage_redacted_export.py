"""The manage page offers a redacted export where the schema has a redact track, and starts it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from annotation.models import Job
from annotation.services.projects import project_create

pytestmark = pytest.mark.django_db

SCHEMA = {"tracks": [{"name": "words", "kind": "transcript"},
                     {"name": "private", "kind": "redact", "labels": [{"value": "name"}]}]}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_export_form_offers_redaction_only_with_a_redact_track_and_passes_the_choice(project, manager) -> None:
    client = _client(manager)
    assert 'data-testid="export-redact"' not in client.get(f"/projects/{project.pk}/manage/").content.decode()
    private = project_create(user=manager, name="Private", schema=SCHEMA, overlap=1)
    page = client.get(f"/projects/{private.pk}/manage/").content.decode()
    assert '<option value="fill,tone">redacted media: black boxes, bleep sound</option>' in page
    done = client.post(f"/projects/{private.pk}/manage/export/", {"format": "jsonl", "include": "gold",
                                                                  "media": "references", "redact": "fill,tone"},
                       follow=True)
    assert "Export #" in done.content.decode()
    assert Job.objects.get(project=private).params["redact"] == {"boxes": "fill", "sound": "tone"}
    refused = client.post(f"/projects/{project.pk}/manage/export/", {"format": "jsonl", "redact": "blur,mute"},
                          follow=True)
    assert "no redact track" in refused.content.decode()
    assert not Job.objects.filter(project=project).exists()
