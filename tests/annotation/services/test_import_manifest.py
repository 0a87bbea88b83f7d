"""Import manifests (JSON lines or a JSON array) and the JSON size that limits and revisions count."""

from __future__ import annotations

import pytest

from annotation.services import imports
from annotation.services.imports import parse_manifest
from annotation.services.revisions import json_size
from common.errors import InvalidInput


def test_json_lines_and_a_json_array_give_the_same_items() -> None:
    items = [{"name": "a", "streams": []}, {"name": "b"}]
    assert parse_manifest(b'{"name": "a", "streams": []}\n\n{"name": "b"}\n') == items
    assert parse_manifest('[{"name": "a", "streams": []}, {"name": "b"}]') == items


def test_an_empty_manifest_has_no_items() -> None:
    assert parse_manifest(b"  \n\n ") == []


def test_a_manifest_that_is_not_utf8_names_the_byte() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_manifest(b'{"name": "a"}\n{"name": "\xff"}')
    assert info.value.detail == "Manifest is not UTF-8 (byte 24)."


def test_a_bad_line_is_named_by_its_number() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_manifest('{"name": "a"}\n\n{"name": ')
    assert info.value.detail.startswith("Manifest line 3 is not valid JSON: ")


def test_a_nul_character_is_refused_on_its_line() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_manifest('{"name": "a"}\n{"name": "a\\u0000b"}')
    assert info.value.detail == "Manifest line 2: NUL characters (\\u0000) are not allowed in JSON strings."


def test_a_broken_json_array_names_its_line() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_manifest('[{"name": "a"},\n{"name": ')
    assert info.value.detail.startswith("Manifest is not valid JSON: ")
    assert info.value.detail.endswith(" at line 2.")


def test_more_items_than_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_MANIFEST_LINES", 2)
    with pytest.raises(InvalidInput) as info:
        parse_manifest("{}\n{}\n{}")
    assert info.value.detail == "Manifest has 3 items; import at most 2 per request."


def test_json_size_counts_compact_utf8_bytes() -> None:
    assert json_size({"a": [1, 2]}) == len(b'{"a":[1,2]}')
    assert json_size("día") == 6  # quotes + d, a + two bytes for í
    # past 64 bits orjson refuses; the fallback counts the same compact form
    assert json_size({"n": 2**70}) == len('{"n":1180591620717411303424}')
