"""Device choice, and batch halving then CPU fallback on CUDA out-of-memory."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest
import torch

from annotation.prelabel import device as dev


class FakeModel:
    """Raises CUDA OOM for batches larger than ``fits`` on CUDA (``fits=0``: nothing fits)."""

    def __init__(self, fits: int) -> None:
        self.fits = fits
        self.calls: list[tuple[int, str]] = []

    def __call__(self, chunk: Sequence[int], device: str) -> list[tuple[int, str]]:
        self.calls.append((len(chunk), device))
        if device.startswith("cuda") and len(chunk) > self.fits:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [(x * 10, device) for x in chunk]


def test_pick_device_is_cuda_exactly_when_torch_sees_a_gpu() -> None:
    assert dev.pick_device() == ("cuda" if torch.cuda.is_available() else "cpu")
    assert dev.pick_device("cpu") == "cpu"


def test_a_preferred_gpu_on_a_machine_without_one_degrades_to_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert dev.pick_device("cuda:1") == "cpu"
    with pytest.raises(ValueError):
        dev.pick_device("tpu")


def test_oom_halves_the_batch_until_it_fits_and_keeps_the_smaller_size() -> None:
    model = FakeModel(fits=2)
    results, final = dev.run_batched(list(range(7)), model, batch_size=8, device="cuda")
    assert results == [(x * 10, "cuda") for x in range(7)]
    assert final == "cuda"
    assert model.calls == [(7, "cuda"), (4, "cuda"), (2, "cuda"), (2, "cuda"), (2, "cuda"), (1, "cuda")]


def test_oom_with_a_single_item_falls_back_to_cpu_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    model = FakeModel(fits=0)
    with caplog.at_level(logging.WARNING, logger="annotation.prelabel.device"):
        results, final = dev.run_batched([1, 2, 3], model, batch_size=2, device="cuda")
    assert results == [(10, "cpu"), (20, "cpu"), (30, "cpu")]
    assert final == "cpu"
    assert model.calls == [(2, "cuda"), (1, "cuda"), (1, "cpu"), (1, "cpu"), (1, "cpu")]
    assert any("falling back to cpu" in r.getMessage() for r in caplog.records)


def test_other_errors_are_not_mistaken_for_oom() -> None:
    def broken(chunk: Sequence[int], device: str) -> list[int]:
        raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        dev.run_batched([1], broken, batch_size=4, device="cuda")
    assert dev.is_cuda_oom(RuntimeError("CUDA out of memory. Tried to allocate 20 MiB"))
    assert not dev.is_cuda_oom(ValueError("CUDA out of memory"))
