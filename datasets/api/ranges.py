"""HTTP Range (RFC 9110 §14) for media bytes: one range per request, which is what players send.

- A header whose unit is not ``bytes`` or that asks for several ranges is ignored (RFC 9110 lets a
  server ignore any Range): the whole file is served with 200.
- Numbers longer than ``_MAX_DIGITS`` are read as "larger than any file" rather than converted:
  a first byte past the end is unsatisfiable (416), a last byte or suffix past it means "to the end".
- A malformed single byte range, or one that starts past the end, answers 416 with ``bytes */size``.
"""

from __future__ import annotations

import mimetypes
import re

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from datasets.services.storage import iter_range

_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")  # ASCII digits only: \d also matches other scripts
_MAX_DIGITS = 18  # 10**18 bytes is an exabyte: anything longer is past the end of every file
_BEYOND = 10**_MAX_DIGITS


class Unsatisfiable(Exception):
    """The Range asks for bytes the file does not have (answered 416)."""


def _number(digits: str) -> int:
    return _BEYOND if len(digits) > _MAX_DIGITS else int(digits)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(start, end)`` inclusive to serve, or None to ignore the header and serve the whole file.

    Raises ``Unsatisfiable`` for a malformed or unsatisfiable single byte range.
    """
    header = header.strip()
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _RANGE.match(f"bytes={spec.strip()}")
    if not match or size == 0:
        raise Unsatisfiable(header)
    first, last = match.groups()
    if first == "" and last == "":
        raise Unsatisfiable(header)
    if first == "":
        length = _number(last)
        if length == 0:
            raise Unsatisfiable(header)
        return max(0, size - length), size - 1
    start = _number(first)
    end = _number(last) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable(header)
    return start, min(end, size - 1)


def media_response(request: HttpRequest, key: str, size: int, name: str, content_type: str | None = None) -> HttpResponse | StreamingHttpResponse:
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    header = request.headers.get("Range")
    try:
        span = parse_range(header, size) if header else None
    except Unsatisfiable:
        response: HttpResponse | StreamingHttpResponse = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if span is not None:
        start, end = span
        response = StreamingHttpResponse(iter_range(key, start, end), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = StreamingHttpResponse(iter_range(key, 0, size - 1), content_type=content_type) if size else HttpResponse(b"", content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
