from __future__ import annotations

import importlib
import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from media_gen import ffmpeg, write_wav
from PIL import Image

from datasets.media import MediaError, needs_proxy, probe, sniff


def test_probe_describes_an_h264_aac_mp4(av_clip: Path) -> None:
    info = probe(str(av_clip))
    assert info["kind"] == "video"
    assert info["container"] == "mp4"
    assert info["duration_ms"] in range(3000, 3100)
    assert info["size"] == os.path.getsize(av_clip)
    video = next(s for s in info["streams"] if s["type"] == "video")
    audio = next(s for s in info["streams"] if s["type"] == "audio")
    assert (video["codec"], video["fps"], video["width"], video["height"]) == ("h264", 25.0, 320, 240)
    assert (audio["codec"], audio["sample_rate"], audio["channels"]) == ("aac", 44100, 2)
    assert info["browser_playable"] is True
    assert needs_proxy(info) is False
    assert json.loads(json.dumps(info)) == info


def test_mpeg4_in_matroska_is_not_browser_playable(tmp_path: Path) -> None:
    out = tmp_path / "old.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=1:s=64x48:r=10", "-c:v", "mpeg4", str(out))
    info = probe(str(out))
    assert (info["kind"], info["container"], info["streams"][0]["codec"]) == ("video", "mkv", "mpeg4")
    assert info["browser_playable"] is False
    assert needs_proxy(info) is True


def test_sniff_reads_content_not_the_extension(tmp_path: Path, av_clip: Path) -> None:
    wav = write_wav(tmp_path / "sound.mp4", np.zeros((100, 1), np.int16))
    png = tmp_path / "picture.wav"
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    text = tmp_path / "notes.bin"
    text.write_text("héllo\n", encoding="utf-8")
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)))
    assert [sniff(str(p)) for p in (av_clip, wav, png, text, noise)] == ["video", "audio", "image", "text", "unknown"]


def test_text_transcripts_are_counted_in_characters(tmp_path: Path) -> None:
    vtt = tmp_path / "a.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nçà va\n", encoding="utf-8")
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n", encoding="utf-8")
    js = tmp_path / "a.json"
    js.write_text('{"words": ["é"]}', encoding="utf-8")
    assert [(probe(str(p))["container"], probe(str(p))["chars"]) for p in (vtt, srt, js)] == [
        ("vtt", 38),
        ("srt", 35),
        ("json", 16),
    ]
    assert probe(str(vtt))["kind"] == "text"


def test_image_probe_reports_size(tmp_path: Path) -> None:
    png = tmp_path / "p.png"
    Image.new("RGB", (30, 20)).save(png)
    info = probe(str(png))
    assert (info["kind"], info["container"], info["width"], info["height"]) == ("image", "png", 30, 20)


def _truncated_mp4(tmp_path: Path, av_clip: Path) -> Path:
    data = av_clip.read_bytes()
    out = tmp_path / "cut.mp4"
    out.write_bytes(data[: len(data) * 2 // 5])
    return out


def _lying_wav(tmp_path: Path) -> Path:
    src = write_wav(tmp_path / "liar.wav", np.zeros((8000, 1), np.int16), rate=8000)
    raw = bytearray(src.read_bytes())
    claimed = 10 * 3600 * 8000 * 2
    raw[4:8] = struct.pack("<I", claimed + 36)
    raw[40:44] = struct.pack("<I", claimed)
    src.write_bytes(bytes(raw))
    return src


def _bad_inputs(tmp_path: Path, av_clip: Path) -> list[tuple[Path, str]]:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8)))
    zero = write_wav(tmp_path / "zero.wav", np.zeros((0, 2), np.int16))
    text_wav = tmp_path / "speech.wav"
    text_wav.write_text("this is a transcript, not audio\n", encoding="utf-8")
    latin1 = tmp_path / "notes.txt"
    latin1.write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    no_moov = tmp_path / "nomoov.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=2:s=64x48:r=10", "-c:v", "libx264", "-preset", "ultrafast", str(no_moov))
    no_moov.write_bytes(no_moov.read_bytes()[:-400])
    return [
        (empty, "file is empty"),
        (noise, "unsupported format: not a recognised audio, video, image or text file"),
        (_truncated_mp4(tmp_path, av_clip), r"truncated: decoding stopped at \d+\.\d s of 3\.0 s"),
        (_lying_wav(tmp_path), r"truncated: decoding stopped at 1\.0 s of 36000\.0 s"),
        (zero, "zero duration"),
        (text_wav, r"mislabeled: the file is named \.wav \(audio\) but its content is text"),
        (latin1, r"text is not valid UTF-8 \(bad byte at offset 3\); save it as UTF-8"),
        (no_moov, r"unsupported format or corrupt file \(.+\)"),
    ]


def test_every_bad_input_raises_a_media_error_with_its_message(tmp_path: Path, av_clip: Path) -> None:
    for path, message in _bad_inputs(tmp_path, av_clip):
        with pytest.raises(MediaError) as caught:
            probe(str(path))
        assert caught.value.message == message or __import__("re").fullmatch(message, caught.value.message), (
            path.name,
            caught.value.message,
        )


def test_cover_art_does_not_make_an_mp3_a_video(tmp_path: Path) -> None:
    cover = tmp_path / "cover.png"
    Image.new("RGB", (32, 32), (200, 10, 10)).save(cover)
    out = tmp_path / "song.mp3"
    ffmpeg("-f", "lavfi", "-i", "sine=d=2", "-i", str(cover), "-map", "0", "-map", "1", "-c:a", "libmp3lame",
           "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(out))
    info = probe(str(out))
    assert (info["kind"], info["container"], [s["codec"] for s in info["streams"]]) == ("audio", "mp3", ["mp3"])
    assert info["browser_playable"] is True


@pytest.mark.parametrize("rate", [["-b:a", "96k"], ["-q:a", "4"]], ids=["cbr", "vbr"])
def test_a_cut_mp3_is_still_caught_by_the_position_seek_and_a_whole_one_is_not_scanned(
        tmp_path: Path, rate: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    probe_module = importlib.import_module("datasets.media.probe")  # the package binds the function
    whole = tmp_path / "talk.mp3"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=30:c=pink:r=44100:a=0.3:seed=2", "-c:a", "libmp3lame", *rate, str(whole))
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[: os.path.getsize(whole) // 2])
    scans: list[str] = []
    real_scan = probe_module._scan_end_us

    def counted(path: str, start_us: int, streams: list[int]) -> int:
        scans.append(os.path.basename(path))
        return real_scan(path, start_us, streams)

    monkeypatch.setattr(probe_module, "_scan_end_us", counted)
    assert probe(str(whole))["duration_ms"] in range(29_900, 30_100)
    with pytest.raises(MediaError, match=r"^truncated: decoding stopped at 1\d\.\d s of 30\.0 s$"):
        probe(str(cut))
    assert scans == ["cut.mp3"]
