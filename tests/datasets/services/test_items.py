"""Items from manifest records (``items_import``): streams from uploads, assets and text; a bad record or a
refusing ``check`` leaves no row and no stored file."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from annotation.models import Project
from common.errors import InvalidInput
from datasets.models import Asset, Item, Stream
from datasets.services.assets import asset_create_from_file
from datasets.services.items import items_import


def _wav() -> io.BytesIO:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000)))
                               for n in range(4000)))
    buf.seek(0)
    return buf


def _stored() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_records_become_items_whose_streams_share_one_asset_per_upload(project: Project, manager: User) -> None:
    records = [
        {"external_id": "a", "duration_ms": 500, "metadata": {"room": 1},
         "streams": [{"role": "audio", "upload": "tone.wav"}, {"role": "transcript", "text": "hi", "offset_ms": -40}]},
        {"external_id": "b", "provenance": {"kind": "synthetic", "generator": "tts", "version": "2"},
         "streams": [{"role": "audio", "upload": "tone.wav", "offset_ms": 120}]},
    ]
    ids = items_import(dataset=project.dataset, records=records, uploads={"tone.wav": _wav()}, user=manager)
    items = [Item.objects.get(pk=pk) for pk in ids]
    assert [(i.external_id, i.duration_ms, i.metadata, i.provenance) for i in items] == [
        ("a", 500, {"room": 1}, {"kind": "captured"}),
        ("b", None, {}, {"kind": "synthetic", "generator": "tts", "version": "2"})]
    streams = list(Stream.objects.filter(item_id__in=ids).order_by("item_id", "id"))
    assert [(s.role, s.offset_ms, s.asset.original_name) for s in streams] == [
        ("audio", 0, "tone.wav"), ("transcript", -40, "text.txt"), ("audio", 120, "tone.wav")]
    assert streams[0].asset_id == streams[2].asset_id
    assert Asset.objects.filter(dataset=project.dataset).count() == 2


def test_an_item_without_a_duration_takes_its_longest_stream_with_offset(project: Project, manager: User) -> None:
    asset = asset_create_from_file(dataset=project.dataset, fileobj=_wav(), name="t.wav", user=manager, queue=False)
    Asset.objects.filter(pk=asset.pk).update(meta={"duration_ms": 500})
    [pk] = items_import(dataset=project.dataset, records=[{"streams": [{"role": "audio", "asset": asset.pk,
                                                                         "offset_ms": 250}]}], uploads={}, user=manager)
    assert Item.objects.get(pk=pk).duration_ms == 750


@pytest.mark.parametrize(("bad", "message"), [
    ({"streams": []}, "line 2.streams: must be a non-empty list."),
    ({"streams": [{"role": "audio", "text": "x"}, {"role": "audio", "text": "y"}]},
     "line 2.streams[1].role: duplicate role 'audio'."),
    ({"streams": [{"role": "audio", "upload": "missing.wav"}]},
     "line 2.streams[0].upload: no uploaded file named 'missing.wav' in this request."),
    ({"streams": [{"role": "audio", "asset": 999_999}]}, "line 2.streams[0].asset: no asset 999999 in this project."),
    ({"streams": [{"role": "audio", "text": "x", "upload": "tone.wav"}]},
     "line 2.streams[0]: give exactly one of 'asset', 'key', 'upload' or 'text'."),
    ({"streams": [{"role": "audio", "text": "x", "offset_ms": 1.5}]},
     "line 2.streams[0].offset_ms: must be an integer number of milliseconds."),
    ({"provenance": {"kind": "synthetic"}, "streams": [{"role": "audio", "text": "x"}]},
     "line 2.provenance: synthetic items name their 'generator' (and its 'version', 'parameters')."),
    ({"duration_ms": 0, "streams": [{"role": "audio", "text": "x"}]}, "line 2.duration_ms: must be a positive integer."),
])
def test_a_bad_record_after_a_good_one_writes_and_stores_nothing(project: Project, manager: User,
                                                                 bad: dict[str, Any], message: str) -> None:
    good = {"external_id": "ok", "streams": [{"role": "audio", "upload": "tone.wav"}]}
    with pytest.raises(InvalidInput) as caught:
        items_import(dataset=project.dataset, records=[good, bad], uploads={"tone.wav": _wav()}, user=manager)
    assert caught.value.detail == message
    assert (Item.objects.count(), Asset.objects.count(), _stored()) == (0, 0, [])


def test_the_callers_check_runs_on_well_formed_records_before_any_file_is_stored(project: Project,
                                                                                 manager: User) -> None:
    seen: list[Sequence[Mapping[str, Any]]] = []

    def refuse(records: Sequence[Mapping[str, Any]]) -> None:
        seen.append(records)
        raise InvalidInput("no items today")

    records = [{"streams": [{"role": "audio", "upload": "tone.wav"}]}]
    with pytest.raises(InvalidInput) as caught:
        items_import(dataset=project.dataset, records=records, uploads={"tone.wav": _wav()}, user=manager, check=refuse)
    assert caught.value.detail == "no items today"
    assert seen == [records]
    assert (Item.objects.count(), Asset.objects.count(), _stored()) == (0, 0, [])
