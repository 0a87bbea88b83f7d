"""The annotation readers on files written by each ecosystem's own tools: exact layers and regions."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from datasets.imports import ImportFormatError, SourceLayer, read_annotations
from tests.datasets.imports import samples


def _flat(layers: list[SourceLayer]) -> list[tuple[str, str, str | None, list[tuple[int | None, int | None, str]]]]:
    return [(la.item_key, la.layer, la.annotator, [(r.start_ms, r.end_ms, r.value) for r in la.regions])
            for la in layers]


def test_an_ordinary_elan_file_gives_one_layer_per_tier_on_its_media(tmp_path: Path) -> None:
    layers = read_annotations("session.eaf", samples.eaf_file(tmp_path))
    assert _flat(layers) == [
        ("interview-1.wav", "speaker A", None, [(1000, 2500, "speech"), (3000, 4200, "Music")]),
        ("interview-1.wav", "gesture", None, [(1500, 1501, "clap")]),
    ]
    assert [r.where for r in layers[0].regions] == ["a2", "a3"]
    assert layers[0].item_aliases == ("session",)


def test_a_praat_textgrid_gives_interval_and_point_tiers(tmp_path: Path) -> None:
    layers = read_annotations("interview-1.TextGrid", samples.textgrid_file(tmp_path))
    assert _flat(layers) == [
        ("interview-1", "speech", None, [(1000, 2500, "speech"), (3000, 4250, "music")]),
        ("interview-1", "events", None, [(3200, 3200, "clap")]),
    ]
    assert [r.point for r in layers[1].regions] == [True]


@pytest.mark.parametrize("srt", [False, True])
def test_webvtt_and_srt_give_their_cues_in_milliseconds(tmp_path: Path, srt: bool) -> None:
    name = "interview-1.srt" if srt else "interview-1.vtt"
    layers = read_annotations(name, samples.vtt_file(tmp_path, name, srt=srt))
    assert _flat(layers) == [("interview-1", "subtitles", None, [(1000, 2500, "Hello there."),
                                                                 (3250, 4000, "General Kenobi.")])]


def test_a_label_studio_export_gives_one_layer_per_from_name() -> None:
    layers = read_annotations("project-3.json", samples.labelstudio_export())
    assert _flat(layers) == [
        ("5f1c2a9b-interview-1.wav", "label", "1", [(1000, 2500, "Speech"), (3000, 4200, "Music")]),
        ("5f1c2a9b-interview-1.wav", "transcription", "1", [(1000, 2500, "Hello there.")]),
    ]
    assert layers[0].item_aliases == ("interview-1.wav",)
    assert layers[0].origin == "human"


def test_tandems_own_jsonl_export_reads_back_with_its_annotator() -> None:
    layers = read_annotations("export.jsonl", samples.native_jsonl())
    assert _flat(layers) == [("interview-1", "speech", "ann_a", [(1000, 2500, "speech")]),
                             ("interview-1", "events", "ann_a", [(3200, 3200, "clap")])]


def test_a_zip_is_read_member_by_member_and_media_beside_them_is_left_alone(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("corpus/interview-1.TextGrid", samples.textgrid_file(tmp_path))
        zf.writestr("corpus/interview-1.wav", b"RIFF....")
    layers = read_annotations("corpus.zip", buf.getvalue())
    assert [(la.file, la.layer) for la in layers] == [("corpus.zip/corpus/interview-1.TextGrid", "speech"),
                                                       ("corpus.zip/corpus/interview-1.TextGrid", "events")]


def test_errors_name_the_file_the_tier_and_the_annotation() -> None:
    bad = samples.labelstudio_export().replace(b'"end": 4.2', b'"end": 2.0')
    with pytest.raises(ImportFormatError) as caught:
        read_annotations("project-3.json", bad)
    assert str(caught.value) == ("project-3.json, tier 'label', annotation 'wav2' (task 7 annotation 0, result[2]): "
                                 "ends (2000 ms) before it starts (3000 ms)")
    with pytest.raises(ImportFormatError, match=r"^notes.txt: not an annotation file"):
        read_annotations("notes.txt", b"hello")
    with pytest.raises(ImportFormatError, match=r"^broken.eaf: not a readable ELAN file"):
        read_annotations("broken.eaf", b"<ANNOTATION_DOCUMENT><oops")



@pytest.mark.parametrize("data", [
    b'[{"external_id": "a", "streams": 3, "annotations": [{"regions": 5}]}]',
    b'{"format": "tandem", "items": {"a": 1}}',
])
def test_odd_tandem_json_holds_no_layers_rather_than_crashing(data: bytes) -> None:
    assert read_annotations("odd.json", data) == []


@pytest.mark.parametrize(("data", "message"), [
    (b'[{"data": {"audio": "x.wav"}, "annotations": [{"result": [{"type": "labels", "value": {"start": "0"}}]}]}]',
     "odd.json, tier '', annotation '0' (task 0 annotation 0, result[0]): time '0' is not a non-negative number "
     "of seconds"),
    (b'[{"data": 1, "annotations": [{"result": 7}]}]', "odd.json: task 0 annotation 0: 'result' must be a list"),
])
def test_odd_label_studio_json_is_refused_by_name(data: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError) as caught:
        read_annotations("odd.json", data)
    assert str(caught.value) == message
