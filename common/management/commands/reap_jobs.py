from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from common.jobs import reap, resend_waiting


class Command(BaseCommand):
    help = ("Send again the jobs and assets whose worker died (no heartbeat for TANDEM_JOB_STALE_SECONDS); "
            "with --waiting, also those still waiting after that many seconds (a message lost before any worker took it).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--waiting", type=int, metavar="SECONDS", default=None,
                            help="also send again queued jobs and pending assets untouched for SECONDS")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = reap()
        if options["waiting"] is not None:
            for name, n in resend_waiting(dt.timedelta(seconds=options["waiting"])).items():
                counts[name] = counts.get(name, 0) + n
        lines = [f"{name}: {n}" for name, n in sorted(counts.items())] or ["nothing to do"]
        self.stdout.write("\n".join(lines))
