"""Make the README's screenshots from the demo, in a throwaway instance, in real Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]   (or: make screenshots)

Everything happens under a temporary folder (SQLite, media, secret key) that is removed at the
end, so the developer's own ``var/`` is never touched. Jobs run inline (Celery's eager mode):
the demo media is processed, its sync check proposes the lapel's offset, the proposal is
accepted, and the demo's pre-labelers run on the CPU. Then a server is started on a free port
and Chromium (Playwright, ``$CHROMIUM`` or /usr/bin/chromium, as the browser tests use) opens
the annotator's editor twice:

- ``demo-editor.png``: the demo item as an annotator first sees it, model suggestions included;
- ``editor.png``: the same editor after marking a "speaker A" segment from 1.0 s to 2.2 s.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
WIDTH, HEIGHT = 1400, 900
ANNOTATOR = "ann_a"


def _environment(folder: Path) -> dict[str, str]:
    """A private embedded instance: its own SQLite file, media and key; jobs run inline."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update({"TANDEM_VAR_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'tandem.sqlite3'}",
                "MEDIA_ROOT": str(folder / "media"), "CELERY_TASK_ALWAYS_EAGER": "1",
                "DJANGO_SETTINGS_MODULE": "tandem.settings", "DEBUG": "0"})
    return env


def _prepare(password: str) -> int:
    """Create the demo (media processed, offset accepted, suggestions made); returns its project id."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotation.demo import demo_setup
    from annotation.services.prelabel import prelabel_start
    from datasets.models import Stream
    from datasets.services.streams import stream_set_offset

    call_command("migrate", verbosity=0, interactive=False)
    project = demo_setup()["project"]
    admin = get_user_model().objects.get(username="admin")
    for stream in Stream.objects.filter(item__dataset=project.dataset, proposed_offset_ms__isnull=False):
        stream_set_offset(stream=stream, user=admin, offset_ms=None, accept_proposed=True, project_id=project.pk)
    prelabel_start(project=project, user=admin, data={})
    annotator = get_user_model().objects.get(username=ANNOTATOR)
    annotator.set_password(password)
    annotator.save(update_fields=["password"])
    return int(project.pk)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the server did not start within 60 s")


def _shoot(base_url: str, project_id: int, password: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page: Any = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, base_url=base_url).new_page()
        page.goto("/login/")
        page.get_by_test_id("username").fill(ANNOTATOR)
        page.get_by_test_id("password").fill(password)
        page.get_by_test_id("login").click()
        page.wait_for_url("**/")
        page.get_by_test_id(f"start-{project_id}").click()
        page.wait_for_url("**/annotate/")
        page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=60_000)
        page.wait_for_selector("[data-waveform='ready']", timeout=30_000)
        page.evaluate("window.tandemEditor.clock.seek(1500)")
        page.wait_for_timeout(1000)
        written.append(out / "demo-editor.png")
        page.screenshot(path=str(written[-1]))

        page.locator("body").click(position={"x": 5, "y": HEIGHT - 20})  # keys go to the editor
        page.evaluate("window.tandemEditor.clock.seek(1000)")
        page.keyboard.press("[")
        page.evaluate("window.tandemEditor.clock.seek(2200)")
        page.keyboard.press("]")
        page.keyboard.press("1")  # "speaker A"
        page.wait_for_function("() => window.tandemEditor.result.regions.some(r => r.track === 'speech')")
        page.wait_for_timeout(500)
        written.append(out / "editor.png")
        page.screenshot(path=str(written[-1]))
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNG files")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory(prefix="tandem-screenshots-") as tmp:
        env = _environment(Path(tmp))
        os.environ.clear()
        os.environ.update(env)
        project_id = _prepare(password)
        port = _free_port()
        server = _serve(env, port)
        try:
            for path in _shoot(f"http://127.0.0.1:{port}", project_id, password, out):
                print(path)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
