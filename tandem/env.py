"""Typed helpers that read settings from the environment.

Every variable the project reads is declared in ``VARIABLES`` with its default so the README's
configuration table can be checked against one list.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path


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


def env_secret(name: str, path: Path, help: str) -> str:
    """The variable when set; otherwise a random key kept in ``path`` (mode 0600), made on first use.

    Made with a hard link from a private temporary file, so a web server and a worker starting at
    the same moment agree on one key and neither reads a half-written file.
    """
    VARIABLES[name] = Variable(name, f"random, kept in {path.name} under TANDEM_VAR_DIR", help)
    raw = os.environ.get(name, "")
    if raw:
        return raw
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(64))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
