"""Per-process model cache: each model is loaded once per (name, device).

Why: loading weights dominates the cost of small batches; a worker that serves many batches
should pay it once. A lock keeps two threads from loading the same model twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_cache: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def cached(name: str, device: str, loader: Callable[[], T]) -> T:
    """The model stored under ``(name, device)``, calling ``loader()`` only the first time."""
    key = (name, device)
    with _lock:
        if key not in _cache:
            _cache[key] = loader()
        model: T = _cache[key]
        return model


def loaded() -> list[tuple[str, str]]:
    """Keys of the models loaded so far, for diagnostics and tests."""
    with _lock:
        return sorted(_cache)


def clear() -> None:
    """Forget every cached model (frees memory; the next use reloads)."""
    with _lock:
        _cache.clear()
