"""The hot requests' queries use indexes, never a sequential scan over the big tables.

A project of 30,000 tasks and 90,000 annotations is generated inside PostgreSQL and analysed,
so the planner sees realistic statistics (large enough that a sequential scan costs more than an
index). Each request's queries are captured from the real code path and explained; a Seq Scan
node over tasks, assignments, annotations, items or streams fails the test with the query and its plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotation.models import Project, Task
from annotation.services.imports import project_import
from annotation.services.projects import member_set, project_create
from bench.scale_data import generate

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")

BIG_TABLES = {"annotation_task", "annotation_assignment", "annotation_annotation", "datasets_item", "datasets_stream"}
N_TASKS = 30_000
SCHEMA = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}, {"value": "music"}]}]}


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plan(sql: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]  # type: ignore[no-any-return]


def seq_scans(sql: str) -> list[str]:
    """The big tables a query reads with a sequential scan (from its EXPLAIN plan)."""
    return [n["Relation Name"] for n in _nodes(_plan(sql))
            if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in BIG_TABLES]


@pytest.fixture(scope="module")
def big_data(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Built once for the module inside a transaction that is rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            manager = User.objects.create_user("scale-manager", is_staff=True)
            annotators = [User.objects.create_user(f"scale-ann{i:02d}") for i in range(40)]
            newcomer = User.objects.create_user("scale-newcomer")
            project = project_create(user=manager, name="scale", schema=SCHEMA, overlap=3)
            for user in [*annotators, newcomer]:
                member_set(project=project, user=manager, member=user, role="annotator")
            first = project_import(project=project, user=manager, uploads={},
                                   records=[{"duration_ms": 60_000, "streams": [{"role": "t", "text": "hello"}]}])
            asset_id = Task.objects.get(pk=first["task_ids"][0]).item.streams.get().asset_id
            generate(project_id=project.pk, dataset_id=project.dataset_id, asset_id=asset_id,
                     annotator_ids=[u.pk for u in annotators], n=N_TASKS, manager_id=manager.pk, vacuum=False)
            yield {"project": project, "manager": manager, "newcomer": newcomer}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def big(big_data: dict[str, Any], db: None) -> dict[str, Any]:
    return big_data


def _client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _explained(call: Any) -> list[tuple[str, list[str]]]:
    """Run one request; every SELECT it sent with the big tables it scans sequentially."""
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = call()
        # The request's own signal handlers reset the log at its start; read it before any other request.
        queries = [q["sql"] for q in captured.captured_queries]
    assert response.status_code == 200, response.content[:300]
    # Reads, and statements that read through WITH clauses (EXPLAIN without ANALYZE writes nothing).
    selects = [sql for sql in queries if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert selects, "no query was captured"
    return [(sql, seq_scans(sql)) for sql in selects]


def _assert_no_seq_scan(explained: list[tuple[str, list[str]]]) -> None:
    bad = [f"{tables}: {sql}" for sql, tables in explained if tables]
    assert not bad, "sequential scan over a big table:\n" + "\n".join(bad)


def test_next_task_reads_tasks_and_assignments_through_indexes(big: dict[str, Any]) -> None:
    project: Project = big["project"]
    explained = _explained(lambda: _client(big["newcomer"]).post(f"/api/projects/{project.pk}/next/"))
    [queue] = [sql for sql, _ in explained if "FOR UPDATE" in sql and "annotation_task" in sql]
    _assert_no_seq_scan(explained)
    # The walk of open tasks probes the caller's assignments once per task walked, never as an
    # anti-join: at a million tasks PostgreSQL plans that as a merge join, which reads every
    # assignment of the tasks before the first free one (this fixture is too small to show it).
    nodes = list(_nodes(_plan(queue)))
    assert not [node for node in nodes if node.get("Join Type") == "Anti" or node["Node Type"] == "Merge Join"]
    assert any(node.get("Subplan Name", "").startswith("SubPlan") for node in nodes)


def test_filtered_task_list_reads_through_indexes(big: dict[str, Any]) -> None:
    project: Project = big["project"]
    url = (f"/api/projects/{project.pk}/tasks/?status=complete&annotator=scale-ann07"
           "&agreement_gte=0.2&agreement_lt=0.5")
    explained = _explained(lambda: _client(big["manager"]).get(url))
    # The page and its count in one query: the join is not computed a second time by a COUNT of its own.
    assert [sql for sql, _ in explained if "COUNT(" in sql.upper()] == [
        sql for sql, _ in explained if "OVER ()" in sql and "LIMIT" in sql]
    assert len([sql for sql, _ in explained if "COUNT(" in sql.upper()]) == 1
    _assert_no_seq_scan(explained)


def test_filtered_task_list_counts_by_intersecting_two_index_ranges(big: dict[str, Any]) -> None:
    # Page numbers with a count read the whole filtered list: the tasks of the status and agreement
    # range, and the annotator's tasks, each a range of one index, intersected by hashing. A join
    # there is the planner's to choose, and at a million tasks it chose to walk the status in id
    # order through the heap (0.4 s); a set operation has no join to choose, whatever the statistics.
    project: Project = big["project"]
    url = (f"/api/projects/{project.pk}/tasks/?status=review&annotator=scale-ann07"
           "&agreement_gte=0.3&agreement_lt=0.6")
    explained = _explained(lambda: _client(big["manager"]).get(url))
    [counted] = [sql for sql, _ in explained if "COUNT(" in sql.upper()]
    assert " INTERSECT " in counted and "OVER ()" in counted and "datasets_item" not in counted, counted
    nodes = list(_nodes(_plan(counted)))
    [setop] = [node for node in nodes if node["Node Type"] == "SetOp"]
    [branches] = [child for child in setop["Plans"] if child["Node Type"] == "Append"] or [setop]
    read = [{n["Relation Name"] for n in _nodes(branch) if n.get("Relation Name") in BIG_TABLES}
            for branch in branches["Plans"]]
    assert sorted(map(sorted, read)) == [["annotation_assignment"], ["annotation_task"]], read
    rows = [sql for sql, _ in explained if '"annotation_task"."id" IN (' in sql]
    assert len(rows) == 1 and "annotation_assignment" not in rows[0]
    _assert_no_seq_scan(explained)


@pytest.mark.parametrize("who", ["manager", "annotator"])
def test_an_annotators_tasks_are_counted_from_their_assignments(big: dict[str, Any], who: str) -> None:
    # No filter on the tasks: the annotator's assignments, in task order from their index, each task
    # looked up by its key in a subquery per row. As a join PostgreSQL merged along every task id of
    # the project to find the annotator's (170-300 ms at a million tasks against 45-75 ms).
    project: Project = big["project"]
    if who == "manager":
        user, url = big["manager"], f"/api/projects/{project.pk}/tasks/?annotator=scale-ann07"
    else:
        user, url = User.objects.get(username="scale-ann07"), f"/api/projects/{project.pk}/tasks/"
    explained = _explained(lambda: _client(user).get(url))
    [counted] = [sql for sql, _ in explained if "COUNT(" in sql.upper()]
    nodes = list(_nodes(_plan(counted)))
    joins = [n for n in nodes if n["Node Type"] in ("Nested Loop", "Hash Join", "Merge Join")]
    assert not [n for n in joins if "annotation_task" in {m.get("Relation Name") for m in _nodes(n)}
                and not any(m.get("Subplan Name") for m in _nodes(n))], counted
    probes = [m for n in nodes if n.get("Subplan Name") for m in _nodes(n) if m.get("Relation Name") == "annotation_task"]
    assert probes and all(p["Node Type"] in ("Index Scan", "Index Only Scan") for p in probes), counted
    _assert_no_seq_scan(explained)


def test_filtered_keyset_page_picks_its_page_from_indexes_alone(big: dict[str, Any]) -> None:
    # Status + annotator + agreement range as keyset pages: the join picks the page by task id alone,
    # walked in id order to the page's last id, which the task indexes (status, agreement, id) and the
    # annotator's assignments answer without reading a task row once the table is vacuumed (this
    # fixture cannot vacuum: its data lives in a transaction); only the page's own rows are then
    # read, with their items, by primary key.
    project: Project = big["project"]
    url = (f"/api/projects/{project.pk}/tasks/?status=review&annotator=scale-ann07"
           "&agreement_gte=0.3&agreement_lt=0.6&cursor=")
    explained = _explained(lambda: _client(big["manager"]).get(url))
    joins = [sql for sql, _ in explained if "annotation_assignment" in sql and "annotation_task" in sql]
    assert len(joins) == 1
    selected = joins[0].split(" FROM ", 1)[0]
    assert selected == 'SELECT "annotation_task"."id" AS "id"' and "datasets_item" not in joins[0], joins[0]
    rows = [sql for sql, _ in explained if '"annotation_task"."id" IN (' in sql]
    assert len(rows) == 1 and "annotation_assignment" not in rows[0]
    _assert_no_seq_scan(explained)


def test_task_list_by_external_id_finds_the_item_through_its_dataset(big: dict[str, Any]) -> None:
    # No index on the external id alone (imports would keep it up to date for every item): the
    # list names the project's dataset, so (dataset, external_id) finds the item, then its task.
    project: Project = big["project"]
    explained = _explained(lambda: _client(big["manager"]).get(f"/api/projects/{project.pk}/tasks/?external_id=x7"))
    _assert_no_seq_scan(explained)


def test_unfiltered_task_list_takes_its_count_from_the_project(big: dict[str, Any]) -> None:
    project: Project = big["project"]
    explained = _explained(lambda: _client(big["manager"]).get(f"/api/projects/{project.pk}/tasks/?page=3"))
    assert not [sql for sql, _ in explained if "COUNT(" in sql.upper()]
    _assert_no_seq_scan(explained)


@pytest.mark.parametrize("query", ["", "status=complete&annotator=scale-ann07&agreement_gte=0.2&agreement_lt=0.5",
                                   "status=open", "annotator=scale-ann07"])
def test_cursor_task_list_counts_nothing_and_reads_through_indexes(big: dict[str, Any], query: str) -> None:
    project: Project = big["project"]
    client = _client(big["manager"])
    first = client.get(f"/api/projects/{project.pk}/tasks/?{query}&cursor=")
    assert first.status_code == 200, first.content[:300]
    next_url = first.json()["next"]
    assert next_url is not None
    for url in (f"/api/projects/{project.pk}/tasks/?{query}&cursor=", next_url):
        explained = _explained(lambda url=url: client.get(url))
        assert not [sql for sql, _ in explained if "COUNT(" in sql.upper()]
        assert any('"annotation_task"."id" >' in sql for sql, _ in explained) == (url == next_url)
        _assert_no_seq_scan(explained)


@pytest.mark.parametrize("query", ["status=open", "status=complete&agreement_gte=0.2&agreement_lt=0.3",
                                   "status=review&annotator=scale-ann07", "annotator=scale-ann07"])
def test_task_list_by_status_and_agreement_reads_through_indexes(big: dict[str, Any], query: str) -> None:
    project: Project = big["project"]
    explained = _explained(lambda: _client(big["manager"]).get(f"/api/projects/{project.pk}/tasks/?{query}"))
    _assert_no_seq_scan(explained)
    # Without an agreement range the annotator's tasks are joined along (project, status, id): an
    # intersection would read every task of the status, or of the project, to find theirs.
    assert not [sql for sql, _ in explained if " INTERSECT " in sql]


def test_project_detail_never_counts_the_big_tables(big: dict[str, Any]) -> None:
    project: Project = big["project"]
    explained = _explained(lambda: _client(big["manager"]).get(f"/api/projects/{project.pk}/"))
    _assert_no_seq_scan(explained)
    assert not [sql for sql, _ in explained if any(t in sql for t in BIG_TABLES)]


def test_the_check_itself_spots_a_sequential_scan(big: dict[str, Any]) -> None:
    # A filter no index serves: the checker must report it, or the tests above prove nothing.
    assert seq_scans('SELECT COUNT(*) FROM annotation_annotation WHERE lead_time_ms = 7') == ["annotation_annotation"]
