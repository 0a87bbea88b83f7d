from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from common.dispatch import dispatch_pending


class Command(BaseCommand):
    help = "Send background jobs that were kept while the broker was unavailable."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Sent {dispatch_pending()} kept job(s).")
