"""project_create and project_update: the schema checked once, versions and audit only on change."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Membership, Project, Role
from annotation.services.projects import project_create, project_update
from common.errors import InvalidInput
from common.models import AuditEvent
from datasets.models import Dataset

pytestmark = pytest.mark.django_db

SCHEMA: dict[str, Any] = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]}]}


def test_a_new_project_has_its_own_dataset_and_its_creator_as_manager(manager: User) -> None:
    project = project_create(user=manager, name="Calls", schema=SCHEMA, overlap=3)
    assert (project.name, project.dataset.name, project.overlap, project.schema_version) == ("Calls", "Calls", 3, 1)
    assert project.schema["tracks"][0]["name"] == "speech"
    assert list(Membership.objects.filter(project=project).values_list("user__username", "role")) == [
        ("manager", Role.MANAGER)]
    assert list(AuditEvent.objects.filter(project_id=project.pk).values_list("action", flat=True)) == ["project.create"]


def test_a_bad_schema_names_its_field_and_creates_nothing(manager: User) -> None:
    with pytest.raises(InvalidInput) as info:
        project_create(user=manager, name="Calls", schema={"tracks": [{"name": "speech", "kind": "wobble"}]})
    assert info.value.extra == {"field": "schema.tracks[0].kind"}
    assert info.value.detail.startswith("Invalid schema: tracks[0].kind: must be one of segment, point, ")
    assert not Project.objects.exists()
    assert not Dataset.objects.exists()


def test_an_update_counts_a_schema_version_only_when_the_schema_changes(manager: User) -> None:
    project = project_create(user=manager, name="Calls", schema=SCHEMA)
    project_update(project=project, user=manager, data={"schema": SCHEMA})
    assert Project.objects.get(pk=project.pk).schema_version == 1
    assert not AuditEvent.objects.filter(action="project.update").exists()
    wider = {"tracks": [*SCHEMA["tracks"], {"name": "words", "kind": "transcript"}]}
    project_update(project=project, user=manager, data={"schema": wider, "overlap": 2})
    stored = Project.objects.get(pk=project.pk)
    assert (stored.schema_version, [t["name"] for t in stored.schema["tracks"]], stored.overlap) == (
        2, ["speech", "words"], 2)
    assert AuditEvent.objects.get(action="project.update").data["fields"] == ["schema", "schema_version", "overlap"]
