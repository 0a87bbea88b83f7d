"""Under the Content-Security-Policy every page still works and nothing is refused (real Chromium).

Each refusal fires a ``securitypolicyviolation`` event in the page; those events, and any console
message that starts with "Refused to", are collected on every page the personas open.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from datasets.tasks import process_asset
from qa.models import ReviewItem
from tests.datasets.worker.conftest import ffmpeg
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, login
from tests.qa.conftest import annotate, annotator_c, disputed, reviewer_2, trio  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


class Persona:
    """One logged-in browser context that records every CSP refusal of every page it opens."""

    def __init__(self, browser: Any, base_url: str, username: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=base_url)
        self.context.add_init_script(LISTEN)
        self.page = self.context.new_page()
        self.refused: list[str] = []
        self.page.on("console", lambda msg: self.refused.append(msg.text) if "Refused to" in msg.text else None)
        login(self.page, username)

    def open(self, path: str, ready: str) -> None:
        self.page.goto(path)
        self.page.wait_for_selector(ready, timeout=30_000)
        self.page.wait_for_timeout(300)  # let late loads (peaks, filmstrip, fonts) report
        self.refused += [f"{path}: {v}" for v in self.page.evaluate("window.__csp")]


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def media_task(trio: Any, disputed: Any, import_files: Any, tmp_path: Path) -> Any:  # noqa: F811
    """A video with its audio and a transcript, imported after the disputed task, so it is next in line."""
    video = tmp_path / "video.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=3", "-f", "lavfi", "-i",
           "sine=frequency=440:duration=3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(video))
    transcript = tmp_path / "transcript.txt"
    transcript.write_text("Alice met Bob in Paris.", encoding="utf-8")
    task, assets = import_files(trio, [video, transcript])
    for asset in assets:
        if asset.status == "pending":
            assert process_asset(asset.pk) == "ready"
    return task


def test_editor_review_quality_manage_and_api_docs_run_with_no_csp_refusal(
        browser: Any, live_server: Any, trio: Any, disputed: Any, media_task: Any) -> None:  # noqa: F811
    item = ReviewItem.objects.get(task=disputed)

    annotator = Persona(browser, live_server.url, "annotator_a")
    annotator.page.get_by_test_id(f"start-{trio.pk}").click()
    annotator.page.wait_for_url(f"**/tasks/{media_task.pk}/annotate/")
    annotator.open(f"/tasks/{media_task.pk}/annotate/", "#tandem-editor[data-ready='true']")
    assert annotator.page.evaluate("window.TANDEM.taskId") == media_task.pk  # the nonce'd inline script ran
    annotator.page.get_by_test_id("play").click()
    annotator.page.wait_for_function("() => window.tandemEditor.clock.timeMs > 0", timeout=10_000)  # media played

    reviewer = Persona(browser, live_server.url, "reviewer")
    reviewer.open(f"/review/{item.pk}/", "#tandem-editor[data-ready='true']")
    reviewer.open(f"/projects/{trio.pk}/quality/", "[data-testid='review-queue']")

    manager = Persona(browser, live_server.url, "manager")
    manager.open(f"/projects/{trio.pk}/manage/", "[data-testid='import']")
    manager.open("/api/docs/", ".swagger-ui .info .title")
    assert "Tandem API" in manager.page.locator(".swagger-ui .info .title").inner_text()
    manager.open("/admin/login/", "#content")

    assert (annotator.refused, reviewer.refused, manager.refused) == ([], [], [])
