"""Storage keys are scoped: a manifest `key` names only objects under the project's import source.

Another project's export or media is never reachable by naming its key, and the refusal is the
same whether or not an object exists at the key, so it cannot be used to probe storage.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from annotation.models import Project
from datasets.models import Asset, Item
from datasets.services.assets import asset_create_from_file

pytestmark = pytest.mark.django_db

NO_SOURCE = (
    "line 1.streams[0].key: this project has no import source, so a manifest cannot name storage keys. "
    "A manager sets one, a storage prefix such as 'imports/team-a/', with PATCH /api/projects/{id}/ "
    '{"import_source": "imports/team-a/"} or on the project\'s manage page; or upload the files instead.'
)
OUTSIDE = ("line 1.streams[0].key: outside this project's import source 'imports/team-a/'; "
           "a key must name an object under it.")


def _import(client: Any, project: Project, key: str) -> Any:
    line = json.dumps({"external_id": "x", "streams": [{"role": "transcript", "key": key}]})
    return client.post(f"/api/projects/{project.pk}/import/", {"items": [json.loads(line)]}, format="json")


def _set_source(client: Any, project: Project, source: str) -> Any:
    return client.patch(f"/api/projects/{project.pk}/", {"import_source": source}, format="json")


@pytest.fixture
def secrets(other_project: Project, outsider: Any) -> dict[str, str]:
    """Another team's files: a release snapshot of its labels and a transcript it uploaded."""
    snapshot = default_storage.save(f"exports/{other_project.pk}/3/snapshot.jsonl.gz", ContentFile(b"gold labels"))
    asset = asset_create_from_file(dataset=other_project.dataset, fileobj=io.BytesIO(b"A private interview."),
                                   name="interview.txt", user=outsider)
    team_b = default_storage.save("imports/team-b/interview.wav", ContentFile(b"RIFF...."))
    return {"export": snapshot, "media": asset.storage_key, "team-b": team_b}


def test_a_key_stream_without_an_import_source_gets_400_saying_how_to_set_one(project, manager, client_for,
                                                                               secrets) -> None:
    response = _import(client_for(manager), project, secrets["export"])
    assert response.status_code == 400
    assert response.json() == {"detail": NO_SOURCE, "field": "key"}
    assert (Item.objects.filter(dataset=project.dataset).count(), Asset.objects.filter(dataset=project.dataset).count()) == (0, 0)


@pytest.mark.parametrize(("area", "missing"), [
    ("export", "exports/{other}/4/snapshot.jsonl.gz"),
    ("media", "datasets/{other_dataset}/assets/00/0000/interview.txt"),
    ("team-b", "imports/team-b/nothing-here.wav"),
])
def test_a_key_outside_the_import_source_gets_the_same_400_whether_or_not_it_exists(
        project, other_project, manager, client_for, secrets, area: str, missing: str) -> None:
    client = client_for(manager)
    assert _set_source(client, project, "imports/team-a").status_code == 200
    existing = secrets[area]
    absent = missing.format(other=other_project.pk, other_dataset=other_project.dataset_id)
    assert default_storage.exists(existing) and not default_storage.exists(absent)
    answers = [_import(client, project, key) for key in (existing, absent)]
    assert [(r.status_code, r.json()) for r in answers] == [(400, {"detail": OUTSIDE, "field": "key"})] * 2
    assert Asset.objects.filter(dataset=project.dataset).count() == 0


def test_tandems_own_areas_are_refused_even_under_a_matching_prefix(project, manager, client_for) -> None:
    client = client_for(manager)
    for source in ("exports/", "datasets/1/", "derived", "uploads/x/"):
        response = _set_source(client, project, source)
        assert response.status_code == 400, source
        assert response.json() == {
            "detail": "import_source: datasets/, derived/, exports/, uploads/ are Tandem's own storage areas; "
                      "choose a prefix outside them.", "field": "import_source"}
    for source in ("/imports/", "imports/../exports/", "imports//a/", "imports/./a/"):
        assert _set_source(client, project, source).status_code == 400, source
    project.dataset.refresh_from_db()
    assert project.dataset.import_source == ""


def test_two_projects_never_share_an_import_source(project, other_project, manager, outsider, client_for) -> None:
    assert _set_source(client_for(outsider), other_project, "imports/team-b/").status_code == 200
    client = client_for(manager)
    for source in ("imports/team-b/", "imports/", "imports/team-b/sub/"):
        response = _set_source(client, project, source)
        assert response.status_code == 409, source
        assert response.json()["detail"] == (f"import_source: '{source}' overlaps another project's import source; "
                                             "each project reads a prefix of its own.")
    assert _set_source(client, project, "imports/team-bb/").status_code == 200


def test_only_a_manager_sets_the_import_source(project, reviewer, annotator_a, client_for) -> None:
    for user in (reviewer, annotator_a):
        assert _set_source(client_for(user), project, "imports/team-a/").status_code == 403
    project.dataset.refresh_from_db()
    assert project.dataset.import_source == ""


def test_a_key_under_the_import_source_becomes_an_asset_whose_media_is_served(project, manager, annotator_a,
                                                                              client_for) -> None:
    client = client_for(manager)
    key = default_storage.save("imports/team-a/day-1/notes.txt", ContentFile(b"Alice met Bob in Paris."))
    answer = _set_source(client, project, "imports/team-a")
    assert (answer.status_code, answer.json()["import_source"]) == (200, "imports/team-a/")
    response = _import(client, project, key)
    assert response.status_code == 201, response.content
    asset = Asset.objects.get(dataset=project.dataset)
    assert (asset.storage_key, asset.size) == (key, 23)
    media = client.get(f"/api/assets/{asset.pk}/media")
    assert (media.status_code, b"".join(media.streaming_content)) == (200, b"Alice met Bob in Paris.")
    missing = _import(client, project, "imports/team-a/day-1/missing.txt")
    assert (missing.status_code, missing.json()["detail"]) == (400, "No file at storage key 'imports/team-a/day-1/missing.txt'.")


def test_the_manage_page_shows_and_sets_the_import_source(project, manager, client) -> None:
    client.force_login(manager)
    page = client.get(f"/projects/{project.pk}/manage/")
    assert 'name="import_source" value=""' in page.content.decode()
    response = client.post(f"/projects/{project.pk}/manage/import-source/", {"import_source": "imports/team-a"},
                           follow=True)
    assert "Manifest keys may now name objects under &#x27;imports/team-a/&#x27;." in response.content.decode()
    assert 'name="import_source" value="imports/team-a/"' in response.content.decode()
    refused = client.post(f"/projects/{project.pk}/manage/import-source/", {"import_source": "exports/"}, follow=True)
    assert "are Tandem&#x27;s own storage areas" in refused.content.decode()
    project.dataset.refresh_from_db()
    assert project.dataset.import_source == "imports/team-a/"
