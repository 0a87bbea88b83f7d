"""The MIME type an EAF gives a linked media file comes from the probed container, not the key's name."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pympi

from datasets.exports.elan import stream_mime, write_eaf
from datasets.media.probe import probe

SCHEMA: dict[str, Any] = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]}]}


def _ffmpeg(out: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(out)], check=True)
    return out


def test_a_wav_stored_under_an_mp3_name_is_linked_as_wav(tmp_path: Path) -> None:
    # what an uploader's tool may do: PCM in a RIFF file, named .mp3
    wav = _ffmpeg(tmp_path / "take.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ar", "16000")
    webm = _ffmpeg(tmp_path / "voice.webm", "-f", "lavfi", "-i", "sine=frequency=220:duration=1", "-c:a", "libopus")
    facts = probe(str(wav)), probe(str(webm))
    assert [(f["kind"], f["container"]) for f in facts] == [("audio", "wav"), ("audio", "webm")]
    streams = [
        {"role": "audio", "kind": "audio", "uri": "datasets/1/assets/aa/aaaa/take.mp3", "offset_ms": 0,
         "container": facts[0]["container"]},
        {"role": "voice", "kind": "audio", "uri": "datasets/1/assets/bb/bbbb/voice.mp4", "offset_ms": 0,
         "container": facts[1]["container"]},
    ]
    record = {"item_id": 1, "external_id": "take", "duration_ms": 1000, "streams": streams,
              "annotations": [{"annotator": "ann_a", "kind": "human", "status": "submitted",
                               "regions": [{"id": "r1", "track": "speech", "label": "speech", "start_ms": 0,
                                            "end_ms": 500}]}]}
    buf = io.BytesIO()
    write_eaf(SCHEMA, [record], buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        zf.extractall(tmp_path / "out")
    eaf = pympi.Elan.Eaf(str(tmp_path / "out" / "take.eaf"))
    assert [m["MIME_TYPE"] for m in eaf.media_descriptors] == ["audio/x-wav", "audio/webm"]


def test_without_a_probed_container_the_extension_decides() -> None:
    assert stream_mime({"kind": "audio", "uri": "a/b/talk.mp3"}) == "audio/mpeg"
    assert stream_mime({"kind": "audio", "uri": "a/b/talk.mp3", "container": "something-odd"}) == "audio/mpeg"
    assert stream_mime({"kind": "video", "uri": "a/b/clip", "container": "MOV"}) == "video/quicktime"
    assert stream_mime({"kind": "video", "uri": "a/b/clip"}) == "video/mp4"
