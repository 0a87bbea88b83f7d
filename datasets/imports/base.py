"""What every annotation reader yields, and the error it raises (pure: no Django).

A reader turns one file into ``SourceLayer`` records: the regions of one layer (an ELAN tier, a
Praat tier, a subtitle file, a Label Studio ``from_name``, a Tandem track) on one item, by one
annotator when the file says who. Items are named as the file names them (``item_key``): an
external id, or the name of the media file the annotations were made on. Mapping layers to a
project's tracks and items to its tasks is the importing service's work, not the reader's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})$")


class ImportFormatError(ValueError):
    """A file that cannot be read as annotations; names the file, and the layer and annotation if known."""

    def __init__(self, file: str, message: str, *, layer: str | None = None, annotation: str | None = None) -> None:
        where = f"{file}"
        if layer is not None:
            where += f", tier '{layer}'"
        if annotation is not None:
            where += f", annotation {annotation}"
        super().__init__(f"{where}: {message}")
        self.file = file
        self.layer = layer
        self.annotation = annotation
        self.message = message


@dataclass(frozen=True)
class SourceRegion:
    """One annotation as the file holds it. ``start_ms == end_ms`` for a point; ``where`` names it
    in errors (an ELAN annotation id, ``interval 3``, ``cue 2``…). ``extra`` carries the region
    keys that only some formats have (attributes, keyframes, character spans, a relation's
    ``from_id``/``to_id``…). ``ref`` is the file's own id of the region, which relations name;
    ``whole_item`` marks a label of the whole item (a Label Studio choice of the task)."""

    start_ms: int | None
    end_ms: int | None
    value: str
    where: str
    point: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    ref: str | None = None
    whole_item: bool = False


@dataclass
class SourceLayer:
    file: str
    item_key: str
    layer: str
    regions: list[SourceRegion]
    annotator: str | None = None
    # Where the regions came from in a file that mixes them: "human", "gold" or "prediction".
    origin: str | None = None
    # Other names the item may go by (a media file name beside an external id).
    item_aliases: tuple[str, ...] = ()
    # The source annotation the layer is part of, within which relations name regions by ``ref``.
    scope: str = ""


def seconds_ms(value: Any, file: str, layer: str, where: str) -> int:
    """Seconds (a number) as whole milliseconds; anything else is the file's error."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise ImportFormatError(file, f"time {value!r} is not a non-negative number of seconds", layer=layer,
                                annotation=where)
    return round(float(value) * 1000)


def clock_ms(text: str, file: str, layer: str, where: str) -> int:
    """``[hh:]mm:ss.mmm`` (WebVTT) or ``hh:mm:ss,mmm`` (SRT) as milliseconds."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ImportFormatError(file, f"time '{text}' is not hh:mm:ss.mmm", layer=layer, annotation=where)
    hours, minutes, secs, frac = match.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(secs)) * 1000 + int(frac.ljust(3, "0"))


def stem(name: str) -> str:
    """A file name without its folders and its last extension."""
    return os.path.splitext(os.path.basename(name.replace("\\", "/")))[0]


@contextmanager
def on_disk(name: str, data: bytes) -> Iterator[Path]:
    """``data`` in a temporary file (for readers that only open paths); the name keeps its extension only."""
    with TemporaryDirectory(prefix="tandem-import-") as folder:
        path = Path(folder) / ("file" + os.path.splitext(name)[1].lower())
        path.write_bytes(data)
        yield path
