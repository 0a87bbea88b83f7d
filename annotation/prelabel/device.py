"""Choosing where a model runs, and surviving a GPU that runs out of memory.

torch is imported inside the functions so that importing this module stays cheap and works on
machines without torch at all (everything then runs on the CPU).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


def cuda_available() -> bool:
    """True when torch is importable and sees at least one CUDA device."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def pick_device(preferred: str | None = None) -> str:
    """``"cuda"`` when torch sees a GPU, else ``"cpu"``; ``preferred`` overrides when possible.

    A preferred CUDA device on a machine without one degrades to CPU with a warning instead of
    failing, so a worker configured for a GPU still produces suggestions on a CPU-only host.
    """
    if preferred is not None:
        if preferred == "cpu":
            return "cpu"
        if preferred.startswith("cuda"):
            if cuda_available():
                return preferred
            log.warning("device %s requested but no CUDA device is visible; using cpu", preferred)
            return "cpu"
        raise ValueError(f"unknown device {preferred!r} (expected 'cpu', 'cuda' or 'cuda:N')")
    return "cuda" if cuda_available() else "cpu"


def is_cuda_oom(exc: BaseException) -> bool:
    """True for CUDA out-of-memory, whichever way torch raised it."""
    try:
        import torch
    except ImportError:
        return False
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "CUDA out of memory" in str(exc)


def _release_cuda_cache() -> None:
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:  # pragma: no cover - only reached when torch vanished mid-run
        pass


def run_batched(
    items: Sequence[T],
    fn: Callable[[Sequence[T], str], list[R]],
    *,
    batch_size: int,
    device: str,
) -> tuple[list[R], str]:
    """Run ``fn(chunk, device)`` over ``items`` in chunks; return all results and the last device.

    Algorithm: on CUDA out-of-memory the same chunk is retried with half the batch size (the
    memory a model needs grows with the batch); once a single item still does not fit, the run
    moves to the CPU for the remaining items with a logged warning rather than giving up. The
    reduced batch size is kept for later chunks so the GPU is not pushed into OOM again each time.
    ``fn`` must return one result per input item and be safe to call again on the same chunk.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    results: list[R] = []
    size = batch_size
    start = 0
    while start < len(items):
        chunk = items[start : start + size]
        try:
            out = fn(chunk, device)
        except Exception as exc:
            if not device.startswith("cuda") or not is_cuda_oom(exc):
                raise
            _release_cuda_cache()
            if size > 1:
                size = max(1, size // 2)
                log.info("CUDA out of memory; retrying with batch size %d", size)
            else:
                log.warning("CUDA out of memory with a single item; falling back to cpu")
                device = "cpu"
            continue
        if len(out) != len(chunk):
            raise RuntimeError(f"batch function returned {len(out)} results for {len(chunk)} items")
        results.extend(out)
        start += len(chunk)
    return results, device
