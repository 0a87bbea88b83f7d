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
        rows: list[list[object]] = [[dataset_id, f"x{i}", 1000, {"kind": "captured"}, "captured", {}, [], "", None,
                                     now, now] for i in range(n)]
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


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's foreign-key triggers")


def _items_locked_by_key_checks(item_ids: list[int]) -> int:
    """Run the foreign-key checks the transaction still holds for COMMIT; each one that looks up an
    item locks it ``FOR KEY SHARE``, which marks the row (``xmax``) with this transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SELECT count(*) FROM datasets_item WHERE id = ANY(%s) AND xmax::text <> '0'", [item_ids])
        return int(cursor.fetchone()[0])

def _stream_rows(dataset_id: int, asset_id: int, n: int) -> tuple[list[int], list[list[object]]]:
    now = dt.datetime.now(dt.UTC)
    items = insert_rows(Item, COLUMNS, [[dataset_id, f"k{i}", 1000, {"kind": "captured"}, "captured", {}, [], "",
                                         None, now, now] for i in range(n)])
    return items, [[item, asset_id, "t", 0] for item in items]


@postgres_only
def test_bulk_key_checks_lock_the_existing_parents_and_trust_the_rows_just_copied() -> None:
    from common.bulk import foreign_keys_checked_in_bulk
    from datasets.models import Asset, Stream

    dataset_id = _dataset_id()
    asset = Asset.objects.create(dataset_id=dataset_id, kind="text", original_name="t.txt")
    with foreign_keys_checked_in_bulk(), CaptureQueriesContext(connection) as captured:
        items, rows = _stream_rows(dataset_id, asset.pk, 500)
        streams = insert_rows(Stream, ["item_id", "asset_id", "role", "offset_ms"], rows)
    locks = [q["sql"] for q in captured.captured_queries if "FOR KEY SHARE" in q["sql"]]
    # One set-based check per key with existing parents (the dataset, the asset); the items were just copied.
    assert len(locks) == 2
    assert '"datasets_dataset"' in locks[0] and '"datasets_asset"' in locks[1]
    assert Stream.objects.filter(pk__in=streams, item_id__in=items, asset=asset).count() == 500
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"  # only the COPYs ran without the triggers
    # No per-row check was queued for COMMIT; the same rows copied outside the block queue 500.
    assert _items_locked_by_key_checks(items) == 0
    more, rows = _stream_rows(dataset_id, asset.pk, 500)
    insert_rows(Stream, ["item_id", "asset_id", "role", "offset_ms"], rows)
    assert _items_locked_by_key_checks(more) == 500

@postgres_only
def test_bulk_key_checks_refuse_a_missing_parent_before_copying() -> None:
    from django.db import IntegrityError, transaction

    from common.bulk import foreign_keys_checked_in_bulk
    from datasets.models import Asset, Stream

    dataset_id = _dataset_id()
    asset = Asset.objects.create(dataset_id=dataset_id, kind="text", original_name="t.txt")
    with pytest.raises(IntegrityError, match='"asset_id"'), transaction.atomic(), foreign_keys_checked_in_bulk():
        _, rows = _stream_rows(dataset_id, asset.pk, 3)
        rows[1][1] = asset.pk + 1000
        insert_rows(Stream, ["item_id", "asset_id", "role", "offset_ms"], rows)
    assert not Stream.objects.exists()


@postgres_only
def test_rows_copied_outside_the_block_are_still_checked_by_the_database() -> None:
    from django.db import IntegrityError, transaction

    from datasets.models import Stream

    dataset_id = _dataset_id()
    with pytest.raises(IntegrityError), transaction.atomic():
        _, rows = _stream_rows(dataset_id, 10**9, 2)
        insert_rows(Stream, ["item_id", "asset_id", "role", "offset_ms"], rows)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would run


@postgres_only
def test_a_role_that_may_not_skip_triggers_leaves_the_checks_to_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    import common.bulk
    from common.bulk import foreign_keys_checked_in_bulk
    from datasets.models import Asset, Stream

    monkeypatch.setattr(common.bulk, "_may_skip_triggers", lambda: False)
    dataset_id = _dataset_id()
    asset = Asset.objects.create(dataset_id=dataset_id, kind="text", original_name="t.txt")
    with foreign_keys_checked_in_bulk(), CaptureQueriesContext(connection) as captured:
        items, rows = _stream_rows(dataset_id, asset.pk, 20)
        insert_rows(Stream, ["item_id", "asset_id", "role", "offset_ms"], rows)
    assert not [q for q in captured.captured_queries if "session_replication_role" in q["sql"]]
    assert _items_locked_by_key_checks(items) == 20
