"""HTTP Range on media bytes (RFC 9110 §14): huge numbers, several ranges, other units."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path
from typing import Any

import pytest

from datasets.api.ranges import Unsatisfiable, parse_range
from tests.datasets.worker.conftest import import_files  # noqa: F401  (shared fixture)

HUGE = "9" * 4301  # one digit past Python's int() limit for decimal strings


@pytest.mark.parametrize(("header", "expected"), [
    (f"bytes=0-{HUGE}", (0, 999)),          # a last byte past any file: to the end
    (f"bytes=-{HUGE}", (0, 999)),           # a suffix longer than any file: all of it
])
def test_a_huge_last_byte_or_suffix_means_to_the_end(header: str, expected: tuple[int, int]) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", [
    f"bytes={HUGE}-",       # starts past the end of any file
    "bytes=1000-",
    "bytes=5-4",
    "bytes=-0",
    "bytes=-",
    "bytes=x-1",
    "bytes=٠-١",            # Arabic-Indic digits are digits to Python, not to HTTP
])
def test_an_unsatisfiable_or_malformed_single_range_is_refused(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, 1000)


@pytest.fixture
def tone(tmp_path: Path) -> Path:
    """0.25 s of a 440 Hz tone, 8 kHz mono 16-bit WAV (4,044 bytes)."""
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / 8000)))
                                 for i in range(2000)))
    return path


def test_the_media_endpoint_answers_huge_and_multiple_ranges_without_an_error(
        project: Any, import_files: Any, tone: Path, reviewer: Any, client_for: Any) -> None:  # noqa: F811
    _, (asset,) = import_files(project, [tone])
    data = tone.read_bytes()
    url = f"/api/assets/{asset.pk}/media?original=1"
    client = client_for(reviewer)

    past_the_end = client.get(url, HTTP_RANGE=f"bytes={HUGE}-")
    assert (past_the_end.status_code, past_the_end["Content-Range"]) == (416, f"bytes */{len(data)}")

    to_the_end = client.get(url, HTTP_RANGE=f"bytes=4000-{HUGE}")
    assert (to_the_end.status_code, to_the_end["Content-Range"]) == (206, f"bytes 4000-{len(data) - 1}/{len(data)}")
    assert b"".join(to_the_end.streaming_content) == data[4000:]

    for ignored in ("bytes=0-1,10-11", "bytes=0-1, 500-", "items=0-5"):  # several ranges, another unit
        whole = client.get(url, HTTP_RANGE=ignored)
        assert (whole.status_code, whole["Content-Length"]) == (200, str(len(data))), ignored
        assert b"".join(whole.streaming_content) == data
