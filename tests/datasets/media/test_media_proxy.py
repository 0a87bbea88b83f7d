from __future__ import annotations

import struct
from pathlib import Path

from media_gen import ffmpeg, ffprobe_packets

from datasets.media import MediaError, make_proxy, needs_proxy, probe, proxy_extension


def top_level_boxes(path: Path) -> list[str]:
    """Names of the top-level ISO-BMFF boxes in file order."""
    names: list[str] = []
    data = path.read_bytes()
    pos = 0
    while pos + 8 <= len(data):
        size, name = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        names.append(name.decode("latin-1"))
        if size < 8:
            break
        pos += size
    return names


def test_proxy_is_faststart_h264_aac_with_a_keyframe_every_second(tmp_path: Path) -> None:
    src = tmp_path / "src.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=4:s=320x240:r=25", "-f", "lavfi", "-i", "sine=d=4:r=48000",
           "-c:v", "mpeg4", "-g", "100", "-c:a", "pcm_s16le", str(src))
    info = probe(str(src))
    assert needs_proxy(info) and proxy_extension(info) == ".mp4"
    seen: list[float] = []
    out = tmp_path / "proxy.mp4"
    result = make_proxy(str(src), str(out), info, progress=seen.append)
    assert result["file"] == "proxy.mp4" and result["size"] == out.stat().st_size
    boxes = top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")
    proxied = probe(str(out))
    codecs = sorted(s["codec"] for s in proxied["streams"])
    assert (proxied["container"], codecs, proxied["browser_playable"]) == ("mp4", ["aac", "h264"], True)
    assert ffprobe_packets(out)[1] == [0, 1000, 2000, 3000]
    assert seen[-1] == 100.0 and seen == sorted(seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proxy.mp4", "src.mkv"]


def test_audio_only_source_gets_an_aac_m4a_proxy(tmp_path: Path) -> None:
    src = tmp_path / "src.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=d=2:r=48000", "-c:a", "pcm_s24le", str(src))
    info = probe(str(src))
    assert needs_proxy(info) and proxy_extension(info) == ".m4a"
    out = tmp_path / "proxy.m4a"
    make_proxy(str(src), str(out), info)
    proxied = probe(str(out))
    assert (proxied["kind"], [s["codec"] for s in proxied["streams"]], proxied["browser_playable"]) == (
        "audio", ["aac"], True
    )
    assert proxied["duration_ms"] in range(1990, 2100)


def test_failed_transcode_raises_and_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", str(src))
    info = probe(str(src))
    src.write_bytes(b"RIFF" + b"\x00" * 100)
    try:
        make_proxy(str(src), str(tmp_path / "proxy.m4a"), info)
        raised = ""
    except MediaError as exc:
        raised = exc.message
    assert raised.startswith("transcoding failed: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.wav"]
