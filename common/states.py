"""Explicit state machines: one ``status`` field per row, transitions checked in one place.

``move`` is the one way a row's status changes: a single conditional ``UPDATE … WHERE status IN
(the states that may go to the target)``, so the check and the write cannot be separated by
another writer, no row lock is held across statements (short write transactions suit SQLite as
well as PostgreSQL), and two processes racing for the same move find out which one won.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone

from common.errors import InvalidTransition


def check_transition(machine: str, transitions: Mapping[str, frozenset[str]], current: str, target: str) -> None:
    """Raise InvalidTransition (409) unless ``current → target`` is allowed."""
    if target not in transitions.get(current, frozenset()):
        raise InvalidTransition(f"{machine}: cannot go from '{current}' to '{target}'.")


def sources_of(transitions: Mapping[str, frozenset[str]], target: str) -> frozenset[str]:
    """The states from which ``target`` may be reached."""
    return frozenset(state for state, targets in transitions.items() if target in targets)


def move(model: type[models.Model], pk: int, *, transitions: Mapping[str, frozenset[str]], target: str,
         only_from: Iterable[str] | None = None, where: models.Q | None = None, **fields: Any) -> bool:
    """Move row ``pk`` to ``target`` if its machine allows it from the current state; return whether it moved.

    ``only_from`` narrows the allowed sources further (a claim takes waiting rows, not finished
    ones); ``where`` adds a condition (the attempt that holds the claim, a stale heartbeat).
    """
    allowed = sources_of(transitions, target)
    if only_from is not None:
        allowed &= frozenset(only_from)
    rows = model._default_manager.filter(pk=pk, status__in=sorted(allowed))
    if where is not None:
        rows = rows.filter(where)
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        fields.setdefault("updated_at", timezone.now())
    return bool(rows.update(status=target, **fields))


def move_or_raise(model: type[models.Model], pk: int, *, machine: str, transitions: Mapping[str, frozenset[str]],
                  target: str, only_from: Iterable[str] | None = None, **fields: Any) -> None:
    """``move``, or InvalidTransition (409) naming the state the row is really in."""
    if move(model, pk, transitions=transitions, target=target, only_from=only_from, **fields):
        return
    current = model._default_manager.filter(pk=pk).values_list("status", flat=True).first()
    if current is None:
        raise model.DoesNotExist(f"{machine} {pk} does not exist.")  # type: ignore[attr-defined]
    if only_from is not None and current not in set(only_from):
        raise InvalidTransition(f"{machine}: cannot go from '{current}' to '{target}'.")
    check_transition(machine, transitions, str(current), target)
    raise InvalidTransition(f"{machine}: cannot go from '{current}' to '{target}' now.")  # moved meanwhile
