"""Export throughput and memory: native JSONL and JSON writers on lazily generated records.

Each case runs in a fresh child process (so peak RSS is that case's alone), writing to a file
under a temporary directory; the child reports its own `ru_maxrss`. Targets: (a) 1,000,000
regions to JSONL at >= 50,000 regions/s in <= 300 MB; (b) 100,000 tasks with two regions each
to native JSON in <= 10 s and <= 300 MB. The other rows show the remaining writers on the same
records. Peak RSS includes the interpreter and pyarrow (imported by the format registry).

Run: .venv/bin/python bench/export.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datasets.exports import FORMATS

SCHEMA: dict[str, Any] = {"tracks": [
    {"name": "speech", "kind": "segment", "stream": "audio", "labels": [{"value": "speech"}, {"value": "music"}],
     "attributes": [{"name": "speaker", "type": "choice", "choices": ["A", "B"]}]},
    {"name": "events", "kind": "point", "labels": [{"value": "clap"}]},
    {"name": "words", "kind": "transcript"},
]}

CASES = {
    # name: (format, items, regions per item)
    "jsonl-1M-regions": ("jsonl", 100_000, 10),
    "json-100k-tasks": ("json", 100_000, 2),
    # the other streaming writers, for comparison
    "csv-1M-regions": ("csv", 100_000, 10),
    "labelstudio-100k-tasks": ("labelstudio", 100_000, 2),
    "hf-1M-regions": ("hf", 100_000, 10),
    "eaf-10k-items": ("eaf", 10_000, 10),
    "textgrid-10k-items": ("textgrid", 10_000, 10),
}


def records(items: int, per_item: int) -> Iterator[dict[str, Any]]:
    """Lazily made records: one annotator per item, regions cycling through the three tracks."""
    for i in range(items):
        regions: list[dict[str, Any]] = []
        for j in range(per_item):
            t = j * 500
            if j % 3 == 0:
                regions.append({"id": f"r{j}", "track": "speech", "label": "speech", "start_ms": t,
                                "end_ms": t + 400, "attributes": {"speaker": "AB"[j % 2]}})
            elif j % 3 == 1:
                regions.append({"id": f"r{j}", "track": "events", "label": "clap", "time_ms": t})
            else:
                regions.append({"id": f"r{j}", "track": "words", "start_ms": t, "end_ms": t + 450,
                                "text": f"word {i} {j}"})
        yield {"item_id": i, "external_id": f"clip-{i:06d}", "provenance": {"kind": "captured"}, "metadata": {},
               "duration_ms": per_item * 500,
               "streams": [{"role": "audio", "kind": "audio", "uri": f"media/{i % 256:02x}/{i:08x}.wav",
                            "offset_ms": 0, "duration_ms": per_item * 500, "sha256": f"{i:064x}"}],
               "texts": {},
               "annotations": [{"annotator": f"ann_{i % 3}", "kind": "human", "status": "submitted",
                                "model": None, "model_version": None, "updated_at": "2026-11-23T12:00:00Z",
                                "regions": regions}]}


def child(case: str, folder: str) -> None:
    """Run one case and print a JSON line with its measurements."""
    fmt, items, per_item = CASES[case]
    path = os.path.join(folder, f"{case}.{FORMATS[fmt].extension}")
    start = time.perf_counter()
    with open(path, "wb", buffering=1 << 20) as out:
        FORMATS[fmt].writer(SCHEMA, records(items, per_item), out)
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"format": fmt, "items": items, "regions": items * per_item, "seconds": seconds,
                      "rss_mb": rss_mb, "bytes": os.path.getsize(path)}))


def main() -> None:
    """Run every case in its own process and print one table."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            done = subprocess.run([sys.executable, __file__, "--child", case, folder], check=True,
                                  capture_output=True, text=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{'format':<12} {'items':>8} {'regions':>10} {'seconds':>8} {'regions/s':>10} {'peak RSS MB':>12} {'file MB':>8}")
    for r in rows:
        print(f"{r['format']:<12} {r['items']:>8,} {r['regions']:>10,} {r['seconds']:>8.2f} "
              f"{r['regions'] / r['seconds']:>10,.0f} {r['rss_mb']:>12.1f} {r['bytes'] / 1e6:>8.1f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
