"""Typed helpers that read settings from the environment.

Every variable the project reads is declared in ``VARIABLES`` with its default so the README's
configuration table can be checked against one list.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str


VARIABLES: dict[str, Variable] = {}


def _declare(name: str, default: str, help: str) -> str:
    VARIABLES[name] = Variable(name, default, help)
    return os.environ.get(name, default)


def env_str(name: str, default: str, help: str) -> str:
    return _declare(name, default, help)


def env_bool(name: str, default: bool, help: str) -> bool:
    raw = _declare(name, "1" if default else "0", help).strip().lower()
    return raw in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, help: str) -> int:
    raw = _declare(name, str(default), help)
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str], help: str) -> list[str]:
    raw = _declare(name, ",".join(default), help)
    return [part.strip() for part in raw.split(",") if part.strip()]
