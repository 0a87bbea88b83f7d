"""Beat inside the worker's main process, as a thread: the embedded default runs one process less.

Celery's ``-B`` forks beat into a process of its own, which holds a full copy of the app; the
schedule here is two light jobs (the reaper each minute, the retention sweep each hour), and the
worker's main process idles between messages, so a thread there keeps the same clock for no extra
memory. Compose and production keep the separate ``beat`` service; only ``--beat-thread`` turns
this on.
"""

from __future__ import annotations

from typing import Any

from celery import bootsteps
from click import Option


class BeatThread(bootsteps.StartStopStep):
    """Runs Celery's own beat service threaded in the worker (``celery worker --beat-thread``)."""

    label = "BeatThread"
    conditional = True

    def __init__(self, worker: Any, beat_thread: bool = False, **kwargs: Any) -> None:
        self.enabled = bool(beat_thread)
        self.service: Any = None
        super().__init__(worker, **kwargs)

    def create(self, worker: Any) -> BeatThread:
        from celery.beat import EmbeddedService

        self.service = EmbeddedService(worker.app, thread=True, schedule_filename=worker.schedule_filename,
                                       scheduler_cls=worker.scheduler)
        return self

    def start(self, worker: Any) -> None:
        self.service.start()

    def stop(self, worker: Any) -> None:
        self.service.stop()


def install(app: Any) -> None:
    """Adds the ``--beat-thread`` option and its step to the app's worker."""
    app.user_options["worker"].add(Option(["--beat-thread"], is_flag=True, default=False,
                                          help="Run beat as a thread of the worker's main process."))
    app.steps["worker"].add(BeatThread)
