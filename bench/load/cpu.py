"""Where the machine's CPU went during the load: the clients, gunicorn, PostgreSQL, everything.

Read from /proc (Linux) before and after the load phase. The clients are this harness's event
loop thread (every simulated annotator runs on it); gunicorn is its master and workers;
PostgreSQL is the whole cluster (the postmaster, its live backends, and the backends that ended
meanwhile, which the kernel adds to the postmaster's children time), so it includes any other
database work on the machine at the time.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after it.
    return [raw[: raw.index("(")].strip(), raw[raw.index("(") + 1: raw.rindex(")")], *raw[raw.rindex(")") + 2:].split()]


def _processes() -> dict[int, list[str]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None:
                out[int(entry)] = fields
    return out


# Fields after the pid and the name (see proc(5)): state=0, ppid=1, utime=11, stime=12, cutime=13, cstime=14.
def _seconds(fields: list[str], children: bool = False) -> float:
    rest = fields[2:]
    ticks = int(rest[11]) + int(rest[12]) + ((int(rest[13]) + int(rest[14])) if children else 0)
    return ticks / _TICK


def _tree_seconds(root: int, procs: dict[int, list[str]], children_time: bool) -> float:
    if root not in procs:
        return 0.0
    total = _seconds(procs[root], children=children_time)
    return total + sum(_seconds(f) for pid, f in procs.items() if int(f[3]) == root)


def _postmaster(procs: dict[int, list[str]]) -> int | None:
    postgres = {pid for pid, f in procs.items() if f[1] == "postgres"}
    roots = [pid for pid in postgres if int(procs[pid][3]) not in postgres]
    return min(roots) if roots else None


def _machine_busy() -> tuple[float, float]:
    """(busy seconds, all seconds) of every core since boot."""
    parts = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return (sum(parts) - idle) / _TICK, sum(parts) / _TICK


@dataclass
class CpuUse:
    wall_s: float
    clients_s: float
    harness_s: float
    gunicorn_s: float
    postgres_s: float
    machine_busy_s: float
    cores: int

    def share(self, seconds: float) -> str:
        """Seconds of CPU as cores kept busy and as a share of the machine."""
        cores = seconds / self.wall_s if self.wall_s else 0.0
        return f"{seconds:.1f} s = {cores:.2f} cores ({100 * cores / self.cores:.0f}% of {self.cores})"


class CpuMeter:
    """``start()`` on the loop thread before the load, ``stop()`` on it after."""

    def __init__(self, gunicorn_pid: int) -> None:
        self.gunicorn_pid = gunicorn_pid

    def _sample(self) -> tuple[float, float, float, float, float, float]:
        procs = _processes()
        postmaster = _postmaster(procs)
        busy, _ = _machine_busy()
        return (time.monotonic(), time.thread_time(), time.process_time(),
                _tree_seconds(self.gunicorn_pid, procs, children_time=True),
                _tree_seconds(postmaster, procs, children_time=True) if postmaster else 0.0, busy)

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> CpuUse:
        after = self._sample()
        d = [a - b for a, b in zip(after, self.before, strict=True)]
        return CpuUse(wall_s=d[0], clients_s=d[1], harness_s=d[2], gunicorn_s=d[3], postgres_s=d[4],
                      machine_busy_s=d[5], cores=os.cpu_count() or 1)
