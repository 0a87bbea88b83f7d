"""HTTP Range (RFC 9110) for media bytes: one range per request, which is what players send."""

from __future__ import annotations

import mimetypes
import re

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from datasets.services.storage import iter_range

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(start, end)`` inclusive for a single byte range, or None when it cannot be satisfied."""
    match = _RANGE.match(header.strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def media_response(request: HttpRequest, key: str, size: int, name: str, content_type: str | None = None) -> HttpResponse | StreamingHttpResponse:
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    header = request.headers.get("Range")
    if header:
        span = parse_range(header, size)
        if span is None:
            response: HttpResponse | StreamingHttpResponse = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
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
