"""A one-line progress bar on stderr (no dependency): redrawn on a terminal, one final line otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class Progress:
    """`update(done)` with an absolute count; `close()` prints the last state once (logs stay short)."""

    def __init__(self, label: str, total: int, *, unit: str = "bytes", stream: TextIO | None = None) -> None:
        self.label, self.total, self.unit = label, max(total, 0), unit
        self.stream = stream or sys.stderr
        self.done = 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def _line(self) -> str:
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(fraction * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        if self.unit == "bytes":
            count = f"{_human(self.done)}/{_human(self.total)}"
        else:
            count = f"{self.done}/{self.total}"
        return f"{self.label} [{bar}] {fraction * 100:3.0f}% {count}"

    def update(self, done: int) -> None:
        self.done = done
        if self.tty:
            self.stream.write("\r" + self._line())
            self.stream.flush()

    def close(self) -> None:
        self.stream.write(("\r" if self.tty else "") + self._line() + "\n")
        self.stream.flush()
