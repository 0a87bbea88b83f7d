"""Stream offsets (``stream_set_offset``): a given value or the sync check's proposal, audited; bad input changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Project
from common.errors import Conflict, InvalidInput
from common.models import AuditEvent
from datasets.models import Stream
from datasets.services.streams import stream_set_offset


@pytest.fixture
def stream(project: Project, make_items: Callable[..., list[Any]]) -> Stream:
    return Stream.objects.get(item=make_items(project)[0].item)


def test_a_given_offset_is_stored_and_audited_with_the_one_before(stream: Stream, manager: User,
                                                                  project: Project) -> None:
    stream_set_offset(stream=stream, user=manager, offset_ms=-86_400_000, accept_proposed=False, project_id=project.pk)
    stream_set_offset(stream=stream, user=manager, offset_ms=250, accept_proposed=False, project_id=project.pk)
    assert Stream.objects.get(pk=stream.pk).offset_ms == 250
    events = list(AuditEvent.objects.filter(action="stream.offset").order_by("id"))
    assert [(e.actor, e.target_type, e.target_id, e.project_id, e.data) for e in events] == [
        (manager, "stream", str(stream.pk), project.pk,
         {"previous": 0, "offset_ms": -86_400_000, "proposed": None, "confidence": None}),
        (manager, "stream", str(stream.pk), project.pk,
         {"previous": -86_400_000, "offset_ms": 250, "proposed": None, "confidence": None}),
    ]


def test_accepting_the_proposal_takes_the_proposed_offset_whatever_value_is_given(
        stream: Stream, manager: User, project: Project) -> None:
    Stream.objects.filter(pk=stream.pk).update(proposed_offset_ms=-120, offset_confidence=0.75)
    stream.refresh_from_db()
    stream_set_offset(stream=stream, user=manager, offset_ms=999, accept_proposed=True, project_id=project.pk)
    assert Stream.objects.get(pk=stream.pk).offset_ms == -120
    assert AuditEvent.objects.get(action="stream.offset").data == {
        "previous": 0, "offset_ms": -120, "proposed": -120, "confidence": 0.75}


def test_accepting_when_nothing_was_proposed_is_a_409_that_changes_nothing(
        stream: Stream, manager: User, project: Project) -> None:
    with pytest.raises(Conflict) as caught:
        stream_set_offset(stream=stream, user=manager, offset_ms=None, accept_proposed=True, project_id=project.pk)
    assert caught.value.detail == "The sync check has proposed no offset for this stream."
    assert Stream.objects.get(pk=stream.pk).offset_ms == 0
    assert not AuditEvent.objects.filter(action="stream.offset").exists()


@pytest.mark.parametrize("value", [None, True, 1.5, "250", 86_400_001, -86_400_001])
def test_an_offset_that_is_not_whole_milliseconds_within_a_day_is_a_400_on_the_field(
        stream: Stream, manager: User, project: Project, value: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        stream_set_offset(stream=stream, user=manager, offset_ms=value, accept_proposed=False, project_id=project.pk)
    assert (caught.value.detail, caught.value.extra) == (
        "'offset_ms' must be an integer number of milliseconds.", {"field": "offset_ms"})
    assert Stream.objects.get(pk=stream.pk).offset_ms == 0
    assert not AuditEvent.objects.filter(action="stream.offset").exists()
