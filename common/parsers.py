"""A JSON parser on orjson: large manifests and results parse several times faster.

orjson also refuses NaN/Infinity, invalid UTF-8 and nesting past 1024 levels, each as a 400.
"""

from __future__ import annotations

from typing import IO, Any

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class FastJSONParser(JSONParser):
    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return orjson.loads(stream.read())
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
