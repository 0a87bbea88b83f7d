"""Write artifacts under a temporary name and rename them into place.

A worker can be killed at any instant; readers must never find a half-written
file under its final name. Every writer in this package writes to a sibling
``.name.<random>.part`` file in the same directory (so the rename stays on one
filesystem and is atomic) and renames it only after the bytes are flushed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO


@contextlib.contextmanager
def atomic_open(final_path: str) -> Iterator[BinaryIO]:
    """Yield a binary file that appears at ``final_path`` only on success."""
    directory = os.path.dirname(os.path.abspath(final_path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(final_path) + ".", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def temp_path_for(final_path: str) -> str:
    """A fresh temporary sibling path for tools (ffmpeg) that write by name.

    The caller renames it onto ``final_path`` with :func:`os.replace` when the
    tool succeeded and removes it otherwise. The suffix keeps the extension so
    tools that pick a muxer from the name still work.
    """
    directory = os.path.dirname(os.path.abspath(final_path))
    os.makedirs(directory, exist_ok=True)
    base = os.path.basename(final_path)
    ext = os.path.splitext(base)[1]
    fd, tmp = tempfile.mkstemp(prefix="." + base + ".", suffix=".part" + ext, dir=directory)
    os.close(fd)
    return tmp
