from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.services.retention import retention_sweep


class Command(BaseCommand):
    help = ("Delete the media of items whose retention_until date has passed; their annotations stay, "
            "marked media_deleted_at, and each item gets an audit event.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", metavar="YYYY-MM-DD", default=None,
                            help="the date to judge expiry by (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(f"--today must be a date such as 2027-01-31, not {options['today']!r}.") from None
        result = retention_sweep(today)
        self.stdout.write(f"items whose media was deleted: {result['items']}")
