"""Where the server URL and the token live between commands.

`TANDEM_URL` and `TANDEM_TOKEN` win over the file, so CI jobs need no file at all. The file is
`$TANDEM_CONFIG_DIR/config.json` (default `$XDG_CONFIG_HOME/tandem`, else `~/.config/tandem`),
written owner-only because the token is a password.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """Nothing to talk to: no URL or token configured."""


@dataclass(frozen=True)
class Config:
    url: str
    token: str


def config_dir() -> Path:
    if os.environ.get("TANDEM_CONFIG_DIR"):
        return Path(os.environ["TANDEM_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tandem"


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not readable JSON ({exc}); run `tandem login` again.") from exc
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically with mode 0600: a crash never leaves half a file, others never read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)


def save(url: str, token: str) -> Path:
    path = config_dir() / "config.json"
    write_json(path, {"url": url.rstrip("/"), "token": token})
    return path


def load() -> Config:
    stored = _read(config_dir() / "config.json")
    url = os.environ.get("TANDEM_URL") or stored.get("url")
    token = os.environ.get("TANDEM_TOKEN") or stored.get("token")
    if not url or not token:
        raise ConfigError("Not logged in: run `tandem login`, or set TANDEM_URL and TANDEM_TOKEN.")
    return Config(url=str(url).rstrip("/"), token=str(token))


def read_journal() -> dict[str, Any]:
    return _read(config_dir() / "uploads.json")


def write_journal(data: dict[str, Any]) -> None:
    write_json(config_dir() / "uploads.json", data)
