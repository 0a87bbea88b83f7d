"""Consent, licence and retention date: set by manifest or the item API, checked with errors naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Project, Task
from common.models import AuditEvent
from datasets.models import Item

GOOD = {"external_id": "x", "streams": [{"role": "transcript", "text": "hi"}],
        "consent": [{"subject": "spk-1", "scope": "research", "given_at": "2026-03-01"}],
        "licence": "CC-BY-4.0", "retention_until": "2030-12-31"}


def _import(client: Any, project: Project, records: list[dict[str, Any]]) -> Any:
    return client.post(f"/api/projects/{project.pk}/import/", records, format="json")


def test_a_manifest_sets_consent_licence_and_retention(project: Project, manager: User,
                                                       client_for: Callable[[User], Any]) -> None:
    assert _import(client_for(manager), project, [GOOD]).status_code == 201
    item = Item.objects.get(dataset=project.dataset, external_id="x")
    assert item.consent == [{"subject": "spk-1", "scope": "research", "given_at": "2026-03-01"}]
    assert (item.licence, item.retention_until) == ("CC-BY-4.0", dt.date(2030, 12, 31))


@pytest.mark.parametrize(("change", "field"), [
    ({"consent": {"scope": "research"}}, "line 1.consent"),
    ({"consent": [{"subject": "s", "given_at": "2026-01-01"}]}, "line 1.consent[0].scope"),
    ({"consent": [{"subject": "s", "scope": "r", "given_at": "soon"}]}, "line 1.consent[0].given_at"),
    ({"consent": [{"subject": "s", "scope": "r", "given_at": "2026-01-01", "until": "x"}]}, "line 1.consent[0].until"),
    ({"licence": 7}, "line 1.licence"),
    ({"retention_until": "31/12/2030"}, "line 1.retention_until"),
])
def test_a_bad_consent_field_in_a_manifest_is_refused_by_name_and_nothing_is_imported(
        project: Project, manager: User, client_for: Callable[[User], Any], change: dict[str, Any], field: str) -> None:
    answer = _import(client_for(manager), project, [{**GOOD, **change}])
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert not Task.objects.filter(project=project).exists()


def test_managers_read_and_set_an_items_consent_through_the_item_api(
        project: Project, manager: User, annotator_a: User, client_for: Callable[[User], Any]) -> None:
    _import(client_for(manager), project, [GOOD])
    item = Item.objects.get(dataset=project.dataset, external_id="x")
    client = client_for(manager)
    answer = client.patch(f"/api/items/{item.pk}/", {"retention_until": "2027-01-31", "licence": "CC0-1.0"},
                          format="json")
    assert answer.status_code == 200
    assert (answer.json()["retention_until"], answer.json()["licence"]) == ("2027-01-31", "CC0-1.0")
    assert answer.json()["consent"] == GOOD["consent"]
    item.refresh_from_db()
    assert (item.retention_until, item.licence) == (dt.date(2027, 1, 31), "CC0-1.0")
    assert AuditEvent.objects.filter(action="item.consent", target_id=str(item.pk)).count() == 1
    assert client_for(annotator_a).patch(f"/api/items/{item.pk}/", {"licence": "x"}, format="json").status_code == 403


@pytest.mark.parametrize(("body", "field"), [
    ({"retention_until": "next year"}, "retention_until"),
    ({"consent": [{"subject": "", "scope": "r", "given_at": "2026-01-01"}]}, "consent[0].subject"),
    ({"metadata": {}}, "metadata"),
])
def test_a_bad_item_api_field_is_a_400_naming_it_and_changes_nothing(
        project: Project, manager: User, client_for: Callable[[User], Any], body: dict[str, Any], field: str) -> None:
    _import(client_for(manager), project, [GOOD])
    item = Item.objects.get(dataset=project.dataset, external_id="x")
    answer = client_for(manager).patch(f"/api/items/{item.pk}/", {**body, "licence": "changed"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    item.refresh_from_db()
    assert item.licence == "CC-BY-4.0"
