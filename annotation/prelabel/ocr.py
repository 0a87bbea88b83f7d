"""On-screen text of each shot, read by Tesseract from the frame in the middle of the shot.

Input item keys: ``video`` (a local path), ``boundaries_ms`` and ``duration_ms`` (the shots the
media pipeline found), optional ``offset_ms``. Options: ``track`` (a transcript track),
``min_confidence`` (0-100, default 60: words Tesseract is less sure of are dropped).

One transcript region per shot that shows text, spanning the shot, with the words in reading
order; the score is the mean word confidence. What it cannot read: text that moves or changes
within a shot (only the middle frame is read), very small text (frames are read at their coded
size, upscaled 2× when narrower than 1280 px), scripts other than Tesseract's installed languages
(``eng`` by default, option ``lang``). Runs on the CPU; the Debian package ``tesseract-ocr`` provides
the engine.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

from annotation.prelabel.base import (
    Item,
    ItemResult,
    Options,
    Region,
    failed,
    number_regions,
    offset_of,
    per_item,
    require_option,
)
from annotation.prelabel.shots import shot_intervals

name = "ocr"
version = "tesseract-1"
needs: tuple[str, ...] = ("video",)
fills: tuple[str, ...] = ("transcript",)
reads_video_file = True  # the job hands over the video itself, not only the shot list


def frames_at(path: str, times_ms: Sequence[int]) -> list[Any]:
    """RGB PIL images of the frames shown at ``times_ms`` (seeking to the keyframe before each)."""
    import av

    images = []
    with av.open(path) as container:
        stream = container.streams.video[0]
        base = stream.time_base
        if base is None:
            raise ValueError("the video stream has no time base")
        for t in times_ms:
            container.seek(int(t / 1000 / base), stream=stream, backward=True)
            shown = None
            for frame in container.decode(stream):
                if frame.pts is not None and frame.pts * base * 1000 > t:
                    break
                shown = frame
            if shown is None:
                raise ValueError(f"no frame at {t} ms")
            images.append(shown.to_image())  # type: ignore[no-untyped-call]  # av leaves to_image unannotated
    return images


def read_text(image: Any, *, lang: str = "eng", min_confidence: float = 60.0) -> tuple[str, float]:
    """Words Tesseract reads in ``image`` (reading order) and their mean confidence in 0..1."""
    if image.width < 1280:
        image = image.resize((image.width * 2, image.height * 2))
    png = io.BytesIO()
    image.convert("L").save(png, format="PNG")
    proc = subprocess.run(["tesseract", "stdin", "stdout", "-l", lang, "--psm", "3", "tsv"], input=png.getvalue(),
                          capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract failed: {proc.stderr.decode(errors='replace').strip()[:300]}")
    words, confidences = [], []
    for row in csv.DictReader(io.StringIO(proc.stdout.decode("utf-8", errors="replace")), delimiter="\t",
                              quoting=csv.QUOTE_NONE):
        text, conf = (row.get("text") or "").strip(), float(row.get("conf") or -1)
        if text and conf >= min_confidence:
            words.append(text)
            confidences.append(conf)
    return " ".join(words), (sum(confidences) / len(confidences) / 100.0 if confidences else 0.0)


def run(batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
    """One transcript region per shot with readable text; ``device`` is unused (Tesseract is CPU only)."""
    if shutil.which("tesseract") is None:
        return [failed(RuntimeError("Tesseract is not installed (Debian package tesseract-ocr)")) for _ in batch]
    try:
        track = str(require_option(options, "track"))
    except ValueError as exc:
        return [failed(exc) for _ in batch]
    lang = str(options.get("lang", "eng"))
    min_confidence = float(options.get("min_confidence", 60))

    def one(item: Item) -> list[Region]:
        offset = offset_of(item)
        shots = shot_intervals(item.get("boundaries_ms") or [], require_option(item, "duration_ms"))
        images = frames_at(str(require_option(item, "video")), [(s + e) // 2 for s, e in shots])
        regions: list[Region] = []
        for (start, end), image in zip(shots, images, strict=True):
            text, score = read_text(image, lang=lang, min_confidence=min_confidence)
            if text:
                regions.append({"track": track, "start_ms": offset + start, "end_ms": offset + end,
                                "text": text, "score": round(score, 3)})
        return number_regions(name, regions)

    return per_item(batch, one)
