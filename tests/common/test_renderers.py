"""The orjson renderer answers byte for byte as DRF's JSONRenderer for what the API sends."""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.utils.functional import lazy
from rest_framework.renderers import JSONRenderer

from common.renderers import FastJSONRenderer


def test_the_fast_renderer_writes_what_drf_writes() -> None:
    data = {
        "id": 7, "name": "ünïcödé \u2028 line \u2029 para <b>", "score": 0.1, "big": 2**63 - 1, "none": None,
        "flags": [True, False], "nested": {"regions": [{"id": "r1", "start_ms": 0}]}, "tuple": (1, 2),
        "at": datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 1, 2), "amount": decimal.Decimal("1.5"), "uid": uuid.UUID(int=5),
        "lazy": lazy(lambda: "later", str)(),
    }
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_what_orjson_cannot_encode_or_an_indent_goes_to_drf() -> None:
    huge = {"n": 2**70}
    assert FastJSONRenderer().render(huge) == JSONRenderer().render(huge)
    indented = FastJSONRenderer().render({"a": 1}, "application/json; indent=2", {})
    assert indented == JSONRenderer().render({"a": 1}, "application/json; indent=2", {})
    assert FastJSONRenderer().render(None) == b""
