from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from annotation.demo import DEMO_USERS, demo_setup


class Command(BaseCommand):
    help = "Create the demo users and project (once); prints new passwords a single time."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-media", action="store_true", help="skip generating the demo item")

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_setup(with_media=not options["no_media"])
        project = result["project"]
        if result["passwords"]:
            self.stdout.write("Demo users (passwords are shown only this once):")
            for username, role in DEMO_USERS:
                if username in result["passwords"]:
                    self.stdout.write(f"  {username:<9} {role:<10} {result['passwords'][username]}")
        else:
            self.stdout.write("Demo users exist already; reset a password with: .venv/bin/python manage.py changepassword NAME")
        self.stdout.write(f"Demo project #{project.pk}: {project.name}")
