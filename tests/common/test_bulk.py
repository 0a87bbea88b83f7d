"""``insert_rows``: the COPY text it builds stores every value exactly as given, ids in row order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.services.projects import project_create
from common.bulk import insert_rows
from datasets.models import Item

pytestmark = pytest.mark.django_db

SCHEMA = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]}]}
COLUMNS = ["dataset_id", "external_id", "duration_ms", "provenance", "provenance_kind", "metadata", "consent",
           "licence", "retention_until", "created_at", "updated_at"]


def _dataset_id() -> int:
    user = User.objects.create_user("bulk-manager", password="x", is_staff=True)
    return project_create(user=user, name="bulk", schema=SCHEMA, overlap=1).dataset_id


def test_awkward_text_and_json_round_trip_unchanged() -> None:
    dataset_id = _dataset_id()
    now = dt.datetime(2027, 1, 31, 12, 30, 15, 123456, tzinfo=dt.UTC)
    awkward = "tab\there\nnew line\r\\back\\slash \\N é"
    metadata = {"quote": 'say "hi"\\', "nested": {"list": [1, 2.5, None, True]}, "text": "a\tb\nc"}
    rows = [
        [dataset_id, awkward, None, {"kind": "captured"}, "captured", metadata, [], "", None, now, now],
        [dataset_id, "\\N", 7, {"kind": "synthetic", "generator": "g"}, "synthetic", {}, [{"scope": "s"}],
         "CC-BY-4.0", dt.date(2030, 2, 28), now, now],
    ]
    ids = insert_rows(Item, COLUMNS, rows)
    first, second = (Item.objects.get(pk=pk) for pk in ids)
    assert ids[0] < ids[1]
    assert (first.external_id, first.duration_ms, first.metadata, first.retention_until, first.created_at) == (
        awkward, None, metadata, None, now)
    assert (second.external_id, second.duration_ms, second.provenance, second.consent, second.licence,
            second.retention_until) == ("\\N", 7, {"kind": "synthetic", "generator": "g"}, [{"scope": "s"}],
                                        "CC-BY-4.0", dt.date(2030, 2, 28))


def test_query_count_does_not_grow_with_the_rows() -> None:
    dataset_id = _dataset_id()
    now = dt.datetime.now(dt.UTC)

    def queries(n: int) -> int:
        rows = [[dataset_id, f"x{i}", 1000, {"kind": "captured"}, "captured", {}, [], "", None, now, now]
                for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            assert len(insert_rows(Item, COLUMNS, rows)) == n
        return len(captured)

    assert queries(3) == queries(45_000)
    assert Item.objects.filter(external_id="x44999").count() == 1


def test_gc_paused_restores_the_collector_state_it_found() -> None:
    import gc

    from common.bulk import gc_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("an import refused halfway")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # paused by someone else: left for them to resume
    finally:
        gc.enable()


def test_overlapping_pauses_on_two_threads_leave_the_collector_on_after_the_last() -> None:
    import gc
    import threading

    from common.bulk import gc_paused

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with gc_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with gc_paused():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())  # the first request ended, this one still runs

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [False]
    assert gc.isenabled()
