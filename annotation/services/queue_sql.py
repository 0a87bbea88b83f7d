"""The next-task queue's statements, in plain SQL.

On PostgreSQL one statement serves a request (``NEXT_PG``): it frees the project's lapsed leases,
extends the caller's current one, or else picks a task, inserts the assignment and counts it.
Built through the ORM the same work took eleven statements and a COMMIT, and building them cost
Django more CPU than PostgreSQL spent running them. Other engines (SQLite, the embedded default)
have no data-modifying WITH: they run the same fragments one at a time, inside one transaction.

Parameters are named: ``project``, ``user``, ``now``, ``lease_end``, ``honeypot``.
"""

from __future__ import annotations

from typing import Any

from annotation.models import Assignment, AssignmentStatus, Task, TaskStatus
from common.prepared import instance_from_row

A = Assignment._meta.db_table
T = Task._meta.db_table
ACTIVE, EXPIRED = AssignmentStatus.ACTIVE.value, AssignmentStatus.EXPIRED.value
OPEN = TaskStatus.OPEN.value

# Every column of a task, in the order ``Task._meta.concrete_fields`` lists them (see ``task_from_row``).
TASK_COLUMNS = ", ".join(f't."{field.column}"' for field in Task._meta.concrete_fields)
# The same, unqualified: SQLite's RETURNING names the updated table's columns without its alias.
TASK_RETURNING = ", ".join(f'"{field.column}"' for field in Task._meta.concrete_fields)

# The project's active leases that ran out, found through the partial index on active leases. The
# status and lease are tested again on each row once locked: a lease taken up again meanwhile stays.
EXPIRE = f"""
    UPDATE {A} SET status = '{EXPIRED}'
    WHERE status = '{ACTIVE}' AND lease_expires_at < %(now)s
      AND EXISTS (SELECT 1 FROM {T} t WHERE t.id = {A}.task_id AND t.project_id = %(project)s)
    RETURNING task_id"""

# One slot back per expired lease (a lease counted twice never makes the count negative).
FREE_SLOT = f"UPDATE {T} SET active_count = active_count - 1 WHERE id = %(task)s AND active_count > 0"

# The caller's unexpired active assignment in the project (the oldest), its lease extended.
# The status is checked again on the row itself: a skip that committed meanwhile wins.
RESUME = f"""
    UPDATE {A} SET lease_expires_at = %(lease_end)s
    WHERE id = (SELECT a.id FROM {A} a JOIN {T} t ON t.id = a.task_id
                WHERE a.annotator_id = %(user)s AND a.status = '{ACTIVE}' AND a.lease_expires_at >= %(now)s
                  AND t.project_id = %(project)s
                ORDER BY a.id LIMIT 1)
      AND status = '{ACTIVE}'
    RETURNING task_id"""

# The first open task in id order with a free slot (tasks for everyone have no limit) that the
# caller never held, skipped or submitted. ``OFFSET 0`` keeps the NOT EXISTS a probe of the
# (task, annotator) index per task walked: as an anti-join PostgreSQL would rather merge the
# caller's assignments in task order, reading every assignment of the tasks before the first
# free one (about 130 ms at a million tasks).
_PICK_FROM = f"""
    SELECT t.id FROM {T} t
    WHERE t.project_id = %(project)s AND t.status = '{OPEN}' AND t.is_honeypot = %(honeypot)s
      AND (t.for_everyone OR t.active_count < t.target_count - t.submitted_count)
      AND NOT EXISTS (SELECT 1 FROM {A} a WHERE a.task_id = t.id AND a.annotator_id = %(user)s LIMIT 1 OFFSET 0)"""
PICK = f"{_PICK_FROM} ORDER BY t.id LIMIT 1"

_INSERT = f"INSERT INTO {A} (created_at, updated_at, status, lease_expires_at, submitted_at, annotator_id, task_id)"
# (task, annotator) is unique: a concurrent request of the same caller that took the task first wins.
_ONCE = "ON CONFLICT (task_id, annotator_id) DO NOTHING RETURNING task_id"
TAKE = f"{_INSERT} VALUES (%(now)s, %(now)s, '{ACTIVE}', %(lease_end)s, NULL, %(user)s, %(task)s) {_ONCE}"
COUNT_TAKEN = f"UPDATE {T} AS t SET active_count = t.active_count + 1 WHERE t.id = %(task)s RETURNING {TASK_RETURNING}"

# --- PostgreSQL: the steps above joined by data-modifying WITH clauses --------------------------

_EXPIRE_AND_FREE = f"""
    expired AS ({EXPIRE}),
    freed AS (
        UPDATE {T} AS t SET active_count = GREATEST(t.active_count - e.n, 0)
        FROM (SELECT task_id, COUNT(*) AS n FROM expired GROUP BY task_id) e
        WHERE t.id = e.task_id)"""

EXPIRE_PG = f"WITH {_EXPIRE_AND_FREE} SELECT COUNT(*) FROM expired"

# SKIP LOCKED: a task another request is taking (or counting) is passed over, not waited for, and
# the slot test is made again on the row once it is locked; the row stays locked to the end of the
# statement, which inserts the assignment and counts it, so two callers never share the last slot.
_CLAIM = f"""
    taken AS ({_INSERT} SELECT %(now)s, %(now)s, '{ACTIVE}', %(lease_end)s, NULL, %(user)s, id FROM pick {_ONCE}),
    counted AS (
        UPDATE {T} AS t SET active_count = t.active_count + 1 FROM taken WHERE t.id = taken.task_id
        RETURNING {TASK_RETURNING})"""

CLAIM_PG = f"""
    WITH pick AS ({PICK} FOR UPDATE OF t SKIP LOCKED), {_CLAIM}
    SELECT * FROM counted"""

# The whole request in one statement: expire, resume, else claim. Expiry and resume touch different
# rows (lapsed leases, the caller's live one). The claim waits for no lease: one statement sees one
# snapshot, in which the slots that expiry frees are still taken, so when a lease expired the claim
# is left to ``CLAIM_PG`` (the first column says so); and a task row is never updated twice here.
# One row always: (any lease expired, then the task's columns or NULLs).
NEXT_PG = f"""
    WITH {_EXPIRE_AND_FREE},
    mine AS ({RESUME}),
    pick AS ({_PICK_FROM} AND NOT EXISTS (SELECT 1 FROM mine) AND NOT EXISTS (SELECT 1 FROM expired)
             ORDER BY t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED),
    {_CLAIM}
    SELECT EXISTS (SELECT 1 FROM expired), got.* FROM (SELECT 1) AS one LEFT JOIN (
        SELECT {TASK_COLUMNS} FROM {T} t JOIN mine ON t.id = mine.task_id
        UNION ALL SELECT * FROM counted) AS got ON true"""


def task_from_row(connection: Any, row: tuple[Any, ...]) -> Task:
    """A task from a row of ``TASK_COLUMNS``."""
    return instance_from_row(Task, connection, row)
