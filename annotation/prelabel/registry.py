"""Name → pre-labeler lookup, with the built-ins registered on first use.

Registering is importing a small module; the heavy model libraries are only imported when a
pre-labeler runs, so listing what is available stays cheap in web processes.
"""

from __future__ import annotations

import importlib
import threading

from annotation.prelabel.base import STREAM_KINDS, TRACK_KINDS, PreLabeler

BUILTINS = ("vad", "shots", "align", "asr", "ocr", "faces", "pii")

_registry: dict[str, PreLabeler] = {}
_lock = threading.Lock()
_builtins_loaded = False


def _ensure_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    with _lock:
        if _builtins_loaded:
            return
        for module_name in BUILTINS:
            module = importlib.import_module(f"annotation.prelabel.{module_name}")
            _registry.setdefault(module.name, module)
        _builtins_loaded = True


def register(prelabeler: PreLabeler, *, replace: bool = False) -> PreLabeler:
    """Add ``prelabeler`` (a module or object keeping the contract) under its ``name``.

    Its declarations are checked here so that a typo fails at start-up, not mid-batch.
    Registering a second pre-labeler under a taken name needs ``replace=True``.
    """
    _ensure_builtins()
    name = getattr(prelabeler, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError("a pre-labeler needs a non-empty string name")
    if not isinstance(getattr(prelabeler, "version", None), str):
        raise ValueError(f"pre-labeler {name!r} needs a string version")
    needs = tuple(getattr(prelabeler, "needs", ()))
    fills = tuple(getattr(prelabeler, "fills", ()))
    if not needs or not set(needs) <= STREAM_KINDS:
        raise ValueError(f"pre-labeler {name!r}: needs must be stream kinds from {sorted(STREAM_KINDS)}")
    if not fills or not set(fills) <= TRACK_KINDS:
        raise ValueError(f"pre-labeler {name!r}: fills must be track kinds from {sorted(TRACK_KINDS)}")
    if not callable(getattr(prelabeler, "run", None)):
        raise ValueError(f"pre-labeler {name!r} needs a run() function")
    with _lock:
        if name in _registry and _registry[name] is not prelabeler and not replace:
            raise ValueError(f"a pre-labeler named {name!r} is already registered")
        _registry[name] = prelabeler
    return prelabeler


def unregister(name: str) -> None:
    """Remove ``name`` (no error when absent)."""
    _ensure_builtins()
    with _lock:
        _registry.pop(name, None)


def get(name: str) -> PreLabeler:
    """The pre-labeler registered as ``name``; KeyError listing the available ones otherwise."""
    _ensure_builtins()
    with _lock:
        try:
            return _registry[name]
        except KeyError:
            raise KeyError(f"no pre-labeler {name!r}; available: {sorted(_registry)}") from None


def available() -> list[str]:
    """Names of all registered pre-labelers, sorted."""
    _ensure_builtins()
    with _lock:
        return sorted(_registry)
