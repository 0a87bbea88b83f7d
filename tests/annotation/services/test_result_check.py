"""Every result is checked against the project's schema, the item's length and the size limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from annotation.models import Project, Task
from annotation.services.annotations import result_check
from annotation.services.revisions import json_size
from common.errors import InvalidInput, TooLarge

pytestmark = pytest.mark.django_db


def _speech(n: int) -> dict[str, Any]:
    return {"regions": [{"id": f"r{i}", "track": "speech", "label": "speech", "start_ms": i * 10, "end_ms": i * 10 + 5}
                        for i in range(n)]}


def test_a_result_within_the_limits_passes(project: Project, make_items: Callable[..., list[Task]]) -> None:
    task = make_items(project)[0]
    assert [r["id"] for r in result_check(project, task, _speech(2))["regions"]] == ["r0", "r1"]


def test_a_result_past_the_byte_limit_is_too_large(
    project: Project, make_items: Callable[..., list[Task]], settings: Any
) -> None:
    task = make_items(project)[0]
    result = _speech(3)
    settings.TANDEM_MAX_RESULT_BYTES = json_size(result) - 1
    with pytest.raises(TooLarge) as info:
        result_check(project, task, result)
    assert info.value.detail.startswith(f"The result is {json_size(result)} bytes of JSON; an annotation holds at "
                                        f"most {json_size(result) - 1} (TANDEM_MAX_RESULT_BYTES).")


def test_more_regions_than_the_limit_are_refused(
    project: Project, make_items: Callable[..., list[Task]], settings: Any
) -> None:
    task = make_items(project)[0]
    settings.TANDEM_MAX_REGIONS = 2
    with pytest.raises(InvalidInput) as info:
        result_check(project, task, _speech(3))
    assert info.value.detail == ("Invalid result: result.regions: 3 regions; an annotation holds at most 2 "
                                 "(TANDEM_MAX_REGIONS)")
    assert len(result_check(project, task, _speech(2))["regions"]) == 2


def test_a_region_past_the_end_of_the_item_is_named(project: Project, make_items: Callable[..., list[Task]]) -> None:
    task = make_items(project, duration_ms=1000)[0]
    result = {"regions": [{"id": "late", "track": "speech", "label": "speech", "start_ms": 900, "end_ms": 1200}]}
    with pytest.raises(InvalidInput) as info:
        result_check(project, task, result)
    assert info.value.detail == "Invalid result: regions[0] (id 'late'): 'end_ms' 1200 ms is past the item's end (1000 ms)"
    assert info.value.extra == {"region": "regions[0] (id 'late')"}
