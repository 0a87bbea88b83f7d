"""The one exception type the media cores raise for bad input."""

from __future__ import annotations


class MediaError(Exception):
    """A file cannot be used, with a message an annotator or admin can act on.

    The message is shown as-is in the asset's error field, so it names the
    problem in plain words ("file is empty", "zero duration", "truncated:
    decoding stopped at 12.4 s of 60.0 s") rather than a decoder's internals.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
