"""A JSON parser on orjson: large manifests and results parse several times faster.

orjson also refuses NaN/Infinity, invalid UTF-8 and nesting past 1024 levels, each as a 400.
"""

from __future__ import annotations

import re
from typing import IO, Any

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# \u0000 preceded by an even number of backslashes is an escaped NUL, not the text "\u0000".
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def loads_without_nul(raw: bytes | str) -> Any:
    """JSON text to Python; a NUL character anywhere in it is refused (PostgreSQL cannot store one)."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if b"\\u0000" in data and _NUL_ESCAPE.search(data):  # the plain search first: it is several times faster
        raise ValueError("NUL characters (\\u0000) are not allowed in JSON strings")
    return orjson.loads(data)


class FastJSONParser(JSONParser):
    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return loads_without_nul(stream.read())
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
