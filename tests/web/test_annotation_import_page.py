"""The manage page's annotation import: upload a Praat file, see the suggested mapping, edit it, import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotation.models import Annotation, Prediction
from tests.datasets.imports import samples

pytestmark = pytest.mark.django_db


def test_upload_preview_edit_and_import_from_the_manage_page(project: Any, manager: Any, make_items: Any,
                                                             tmp_path: Path) -> None:
    task = make_items(project, 1, duration_ms=10_000)[0]  # external id item-0
    client = Client()
    client.force_login(manager)
    url = f"/projects/{project.pk}/manage/annotations-import/"
    assert 'data-testid="annotation-import-file"' in client.get(f"/projects/{project.pk}/manage/").content.decode()
    page = client.post(url, {"file": SimpleUploadedFile("item-0.TextGrid", samples.textgrid_file(tmp_path))})
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 item matched" in html
    assert "&quot;speech&quot;: {\n    &quot;track&quot;: &quot;speech&quot;" in html  # suggested by name
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert token is not None
    # The manager leaves the events tier out and keeps only the "speech" intervals.
    mapping = '{"speech": {"track": "speech", "labels": {"speech": "speech", "music": null}}, "events": null}'
    done = client.post(url, {"token": token.group(1), "mapping": mapping, "as": "prelabel", "model": "praat-2020"})
    assert (done.status_code, done["Location"]) == (302, f"/projects/{project.pk}/manage/")
    prediction = Prediction.objects.get()
    assert (prediction.task_id, prediction.model) == (task.pk, "praat-2020")
    assert prediction.result == {"regions": [{"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1000,
                                              "end_ms": 2500, "source": {"model": "praat-2020", "version": "import"}}]}
    assert "Imported 1 regions on 1 items as prelabel." in client.get(f"/projects/{project.pk}/manage/").content.decode()
    # The kept file is gone once imported.
    again = client.post(url, {"token": token.group(1), "mapping": mapping, "as": "prelabel", "model": "praat-2020"},
                        follow=True)
    assert "The previewed file is gone; upload it again." in again.content.decode()


def test_a_bad_mapping_shows_the_preview_again_with_the_error_and_writes_nothing(
        project: Any, manager: Any, make_items: Any, tmp_path: Path) -> None:
    make_items(project, 1, duration_ms=10_000)
    client = Client()
    client.force_login(manager)
    url = f"/projects/{project.pk}/manage/annotations-import/"
    html = client.post(url, {"file": SimpleUploadedFile("item-0.TextGrid", samples.textgrid_file(tmp_path))}).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert token is not None
    mapping = '{"speech": {"track": "speech", "labels": {"music": "noise"}}}'
    page = client.post(url, {"token": token.group(1), "mapping": mapping, "as": "gold"})
    assert page.status_code == 200
    assert ("item-0.TextGrid, tier &#x27;speech&#x27;, annotation interval 2: value &#x27;music&#x27; is mapped to "
            "&#x27;noise&#x27;, which is not a label of track &#x27;speech&#x27;") in page.content.decode()
    assert (Annotation.objects.count(), Prediction.objects.count()) == (0, 0)


def test_previews_nobody_confirms_are_deleted_after_a_day(project: Any, manager: Any, make_items: Any,
                                                          tmp_path: Path) -> None:
    import os
    import time

    from django.core.files.storage import default_storage

    from datasets.services.previews import previews_sweep

    make_items(project, 1, duration_ms=10_000)
    client = Client()
    client.force_login(manager)
    url = f"/projects/{project.pk}/manage/annotations-import/"
    grid = samples.textgrid_file(tmp_path)

    def preview() -> str:
        html = client.post(url, {"file": SimpleUploadedFile("item-0.TextGrid", grid)}).content.decode()
        found = re.search(r'name="token" value="([0-9a-f]{32})"', html)
        assert found is not None
        return found.group(1)

    def age(token: str, seconds: float) -> None:
        for name in (token, f"{token}.name"):
            path = default_storage.path(f"uploads/previews/{project.pk}/{name}")
            os.utime(path, (time.time() - seconds, time.time() - seconds))

    def kept() -> list[str]:
        return sorted(default_storage.listdir(f"uploads/previews/{project.pk}/")[1])

    stale, fresh = preview(), preview()
    age(stale, 24 * 3600 + 60)
    age(fresh, 23 * 3600)
    newest = preview()  # a project's new preview removes its expired ones
    assert kept() == sorted([fresh, f"{fresh}.name", newest, f"{newest}.name"])
    gone = client.post(url, {"token": stale, "as": "prelabel"}, follow=True)
    assert "The previewed file is gone; upload it again." in gone.content.decode()
    age(fresh, 24 * 3600 + 60)
    assert previews_sweep() == 2  # the periodic sweep, for projects that make no new preview
    assert kept() == sorted([newest, f"{newest}.name"])
