"""The reviewer's loop in Chromium: claim, see every version's spans and relations, resolve with a
confirmation, the next item opens, the resolved one is read-only; send back with a note, which the
annotator finds in their queue. The manage page lists releases and remakes one without a reload."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from annotation.models import Annotation, Job, Project, Task
from annotation.services.annotations import annotation_create, annotation_submit
from annotation.services.assignments import task_next
from annotation.services.exports import export_create
from qa.models import ReviewItem
from tests.e2e.conftest import login

TEXT_LINE = "Alice met Bob in Paris."

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _version(person: str) -> dict[str, Any]:
    """Two readings of "Alice met Bob in Paris.": b calls Bob an ORG-less PER too but skips Paris,
    links the other way, and ends the speech a second later."""
    spans = [("e1", 0, 5), ("e2", 10, 13), ("e3", 17, 22)] if person == "a" else [("e1", 0, 5), ("e2", 10, 13)]
    link = ("e1", "e2") if person == "a" else ("e2", "e1")
    regions: list[dict[str, Any]] = [
        {"id": "s1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 5000 if person == "a" else 6000}]
    regions += [{"id": i, "track": "entities", "label": "PER", "start_char": s, "end_char": e} for i, s, e in spans]
    regions.append({"id": "l1", "track": "links", "label": "refers_to", "from_id": link[0], "to_id": link[1]})
    return {"regions": regions}


def _annotate(project: Project, people: list[Any], tasks: list[Task]) -> None:
    for task in tasks:
        for user, who in zip(people, "ab"):
            assert task_next(project=project, user=user) == task
            annotation, _ = annotation_create(task=task, user=user, result=_version(who))
            annotation_submit(annotation=annotation, user=user)


@pytest.fixture
def queued(project: Project, make_items: Any, eager: None, annotator_a: Any, annotator_b: Any) -> list[ReviewItem]:
    tasks = make_items(project, 2)
    _annotate(project, [annotator_a, annotator_b], tasks)
    items = list(ReviewItem.objects.filter(project_id_cache=project.pk).order_by("id"))
    assert [i.task_id for i in items] == [t.pk for t in tasks]
    return items


def _open(page: Any, item: ReviewItem) -> None:
    page.goto(f"/review/{item.pk}/")
    page.wait_for_function("() => document.getElementById('tandem-editor')?.dataset.ready === 'true'")


def test_claim_see_spans_and_relations_resolve_with_confirmation_then_the_next_item(page: Any, project: Project,
                                                                                   queued: list[ReviewItem], reviewer: Any) -> None:
    first, second = queued
    login(page, "reviewer")
    page.goto(f"/projects/{project.pk}/quality/")
    page.get_by_test_id("review-next").click()  # claims the oldest queued item and opens it
    page.wait_for_url(f"**/review/{first.pk}/")
    page.wait_for_function("() => document.getElementById('tandem-editor')?.dataset.ready === 'true'")
    assert ReviewItem.objects.get(pk=first.pk).claimed_by == reviewer
    # Both annotators' spans, stacked in their own rows; b has no span on "Paris".
    expect(page.get_by_test_id("version-text-annotator_a").locator("mark")).to_have_count(3)
    expect(page.get_by_test_id("version-text-annotator_b").locator("mark")).to_have_count(2)
    expect(page.get_by_test_id("vspan-annotator_a-e3")).to_have_text("Paris")
    # Relations named by region labels and text, never by ids.
    expect(page.get_by_test_id("relation-annotator_a-0")).to_have_text("PER «Alice» —refers_to→ PER «Bob»")
    expect(page.get_by_test_id("relation-annotator_b-0")).to_have_text("PER «Bob» —refers_to→ PER «Alice»")
    # Conflicts of every kind in one list: the speech end, the Paris span, the two one-sided links.
    kinds = page.locator("[data-testid^=conflict-][data-kind]").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["segment", "span", "relation", "relation"]
    expect(page.get_by_test_id("conflict-count")).to_have_text("Conflicts (4)")
    page.get_by_test_id("conflict-1").get_by_role("button").click()
    expect(page.locator("mark.vspan.rv-flash")).to_have_count(1)  # a's "Paris", the only span there
    # Lanes grouped by track: gold then each version; a track folds to its gold lane.
    heads = page.locator(".tl-lane .tl-title").all_text_contents()
    assert heads[:3] == ["speech · gold", "speech · annotator_a", "speech · annotator_b"]
    page.get_by_test_id("track-toggle-speech").click()
    assert page.locator(".tl-lane .tl-title").all_text_contents()[0] == "speech · gold (2 versions folded)"
    # The review keys are listed in the ? overlay; "g" is no longer bound to anything in review.
    page.keyboard.press("?")
    expect(page.get_by_test_id("review-keys")).to_contain_text("copy the selected region of a version into gold")
    page.keyboard.press("Escape")
    page.screenshot(path="/tmp/review_view.png", full_page=True)
    # Copy a's version, settle one conflict, resolve: the dialog names the three still open.
    page.get_by_test_id("copy-version-annotator_a").click()
    page.get_by_test_id("conflict-settled-0").check()
    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("confirm-resolve")).to_contain_text("3 of 4 conflict(s) are not marked settled")
    page.get_by_test_id("confirm-resolve-no").click()
    assert ReviewItem.objects.get(pk=first.pk).state == "claimed"
    page.get_by_test_id("resolve").click()
    page.get_by_test_id("confirm-resolve-yes").click()
    page.wait_for_url(f"**/review/{second.pk}/")
    page.wait_for_function("() => document.getElementById('tandem-editor')?.dataset.ready === 'true'")
    assert ReviewItem.objects.get(pk=first.pk).state == "resolved"
    assert ReviewItem.objects.get(pk=second.pk).claimed_by == reviewer
    gold = Annotation.objects.get(task_id=first.task_id, kind="gold")
    assert sorted(r["track"] for r in gold.result["regions"]) == ["entities", "entities", "entities", "links", "speech"]
    # The resolved item opens read-only: a banner, no resolve or copy, edits refused.
    _open(page, first)
    expect(page.get_by_test_id("resolved-banner")).to_contain_text("Resolved by reviewer")
    expect(page.get_by_test_id("resolve")).to_have_count(0)
    expect(page.get_by_test_id("copy-version-annotator_a")).to_have_count(0)
    assert page.evaluate("() => window.tandemEditor.workbench.readOnly") is True


def test_send_back_with_a_note_reaches_the_annotators_queue(page: Any, project: Project, queued: list[ReviewItem],
                                                          annotator_a: Any) -> None:
    first, _second = queued
    login(page, "reviewer")
    _open(page, first)
    page.get_by_test_id("send-back").click()
    page.get_by_test_id("send-back-dialog-yes").click()
    expect(page.get_by_test_id("send-back-dialog-error")).to_have_text("Write a note for the annotators first.")
    note = "Paris is a place: mark it LOC, and check the link direction."
    page.get_by_test_id("send-back-dialog-note").fill(note)
    page.get_by_test_id("send-back-dialog-yes").click()
    page.wait_for_url(f"**/review/{_second.pk}/")
    assert ReviewItem.objects.get(pk=first.pk).state == "returned"
    page.context.clear_cookies()
    login(page, "annotator_a")
    page.goto(f"/projects/{project.pk}/")
    row = page.get_by_test_id(f"returned-{first.task_id}")
    expect(row).to_contain_text(note)
    page.screenshot(path="/tmp/annotator_queue.png", full_page=True)
    row.get_by_role("link").click()
    page.wait_for_function("() => document.getElementById('tandem-editor')?.dataset.ready === 'true'")
    expect(page.get_by_test_id("review-note-banner")).to_contain_text(note)
    assert Annotation.objects.get(task_id=first.task_id, annotator=annotator_a).status == "draft"


def test_the_releases_list_shows_a_release_and_a_remake_appears_without_a_reload(page: Any, project: Project,
                                                                               manager: Any, make_items: Any,
                                                                               eager: None) -> None:
    make_items(project, 1)
    release = export_create(project=project, user=manager, data={"format": "jsonl", "release": "v1.0"})
    release.refresh_from_db()
    assert release.status == "succeeded"
    login(page, "manager")
    page.goto(f"/projects/{project.pk}/manage/")
    row = page.get_by_test_id(f"release-{release.pk}")
    expect(row).to_contain_text("v1.0")
    expect(row).to_contain_text("jsonl")
    expect(row.locator("code")).to_have_text(release.result["sha256"][:16])
    page.evaluate("window.__loaded = true")
    page.get_by_test_id(f"remake-{release.pk}").click()
    remake = Job.objects.filter(project=project, params__remake_of=release.pk)
    page.wait_for_function("() => document.querySelectorAll('[data-testid^=release-]:not([data-testid^=release-download])').length === 2")
    job = remake.get()
    expect(page.get_by_test_id(f"release-{job.pk}")).to_contain_text("v1.0 (remake)")
    expect(page.locator(f'[data-release-status="{job.pk}"]')).to_contain_text("succeeded · same bytes")
    assert page.evaluate("window.__loaded") is True
    page.screenshot(path="/tmp/manage_releases.png", full_page=True)


def _video_version(person: str) -> dict[str, Any]:
    """Boxes on a face that drift apart after 1 s, and one word heard differently."""
    x1 = 0.5 if person == "a" else 0.1
    return {"regions": [
        {"id": "s1", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 3000},
        {"id": "f1", "track": "faces", "label": "face",
         "keyframes": [{"time_ms": 0, "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2},
                       {"time_ms": 2000, "x": x1, "y": 0.1, "w": 0.2, "h": 0.2}]},
        {"id": "w1", "track": "words", "start_ms": 0, "end_ms": 2000,
         "text": "alice met bob" if person == "a" else "alice met rob"},
    ]}


def test_boxes_and_words_of_each_version_on_a_video_and_a_copies_the_selected_region(
        page: Any, project: Project, import_files: Any, tmp_path: Any, eager: None,
        annotator_a: Any, annotator_b: Any) -> None:
    from datasets.tasks import process_asset
    from tests.datasets.worker.conftest import ffmpeg

    video = tmp_path / "video.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=4", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-g", "25", "-movflags", "+faststart", str(video))
    transcript = tmp_path / "transcript.txt"
    transcript.write_text(TEXT_LINE, encoding="utf-8")
    task, assets = import_files(project, [video, transcript])
    for asset in assets:
        if asset.status == "pending":
            assert process_asset(asset.pk) == "ready"
    for user, who in ((annotator_a, "a"), (annotator_b, "b")):
        assert task_next(project=project, user=user) == task
        annotation, _ = annotation_create(task=task, user=user, result=_video_version(who))
        annotation_submit(annotation=annotation, user=user)
    item = ReviewItem.objects.get(task=task)
    login(page, "reviewer")
    page.goto(f"/review/{item.pk}/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    kinds = page.locator("[data-testid^=conflict-][data-kind]").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["transcript", "box"]
    expect(page.get_by_test_id("conflict-0")).to_contain_text("annotator_b WER 0.33 (bob→rob)")
    expect(page.get_by_test_id("conflict-1")).to_contain_text("faces missing")
    expect(page.get_by_test_id("transcript-annotator_b-words")).to_contain_text("alice met rob")
    # A click on the box conflict seeks to where the boxes part; both versions' boxes are drawn there.
    page.get_by_test_id("conflict-1").get_by_role("button").click()
    page.wait_for_function("() => window.tandemEditor.clock.timeMs > 0")
    shown = page.evaluate("() => window.tandemEditor.versionBoxes.shown().map(b => b.username)")
    assert shown == ["annotator_a", "annotator_b"]
    page.get_by_test_id("show-annotator_b").uncheck()
    assert page.evaluate("() => window.tandemEditor.versionBoxes.shown().map(b => b.username)") == ["annotator_a"]
    page.get_by_test_id("show-annotator_b").check()
    page.screenshot(path="/tmp/review_video.png", full_page=True)
    # "a" copies the selected version region into gold, and does nothing else.
    active = page.evaluate("() => JSON.stringify(window.tandemEditor.workbench.active)")
    # 12 lanes: the two conflicted tracks open, speech starts folded to its gold lane.
    expect(page.get_by_test_id("track-toggle-speech")).to_have_attribute("aria-expanded", "false")
    page.get_by_test_id("track-toggle-speech").click()
    page.wait_for_function("() => document.querySelector(\"[data-testid='region-annotator_a-s1']\") !== null")
    page.get_by_test_id("region-annotator_a-s1").click()
    page.keyboard.press("a")
    page.wait_for_function("() => window.tandemEditor.result.regions.length === 1")
    assert page.evaluate("() => window.tandemEditor.result.regions[0].track") == "speech"
    assert page.evaluate("() => JSON.stringify(window.tandemEditor.workbench.active)") == active
