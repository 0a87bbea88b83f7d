"""Explicit state machines: one ``status`` field per row, transitions checked in one place."""

from __future__ import annotations

from collections.abc import Mapping

from common.errors import InvalidTransition


def check_transition(machine: str, transitions: Mapping[str, frozenset[str]], current: str, target: str) -> None:
    """Raise InvalidTransition (409) unless ``current → target`` is allowed."""
    if target not in transitions.get(current, frozenset()):
        raise InvalidTransition(f"{machine}: cannot go from '{current}' to '{target}'.")
