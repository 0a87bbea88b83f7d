"""Done when: an ELAN file written by pympi and a Praat TextGrid written by praatio, with ordinary tier
names, are imported through the manage page's form and show on the editor's timeline lanes.

Both are imported as pre-labels (what an annotator's editor shows: model suggestions in a hatched
layer of each track's lane), the mapping of tiers to tracks and of values to labels edited on the
page. The annotator then opens the item and the lanes hold the imported regions at their times.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from annotation.models import Prediction, Task
from tests.datasets.worker.conftest import ffmpeg
from tests.e2e.conftest import login
from tests.e2e.test_editor import media_task  # noqa: F401  (shared fixture: video.mp4 + transcript.txt)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _eaf(folder: Path) -> Path:
    """What ELAN users write: a tier per speaker and one for gestures, linked to the recording."""
    import pympi

    eaf = pympi.Elan.Eaf(author="fieldworker")
    eaf.add_linked_file("file:///C:/Users/fieldworker/corpus/video.mp4", mimetype="video/mp4")
    eaf.remove_tier("default")
    eaf.add_tier("Speaker A")
    eaf.add_tier("gesture")
    eaf.add_annotation("Speaker A", 1000, 2500, "talk")
    eaf.add_annotation("Speaker A", 3000, 4200, "music")
    eaf.add_annotation("gesture", 1500, 1501, "clap")
    path = folder / "session 3.eaf"
    eaf.to_file(str(path))
    return path


def _textgrid(folder: Path) -> Path:
    """What Praat users write: an interval tier for a speaker and a point tier, named after the recording."""
    from praatio import textgrid

    grid = textgrid.Textgrid()
    grid.addTier(textgrid.IntervalTier("Speaker B", [(0.5, 1.5, "speech"), (4.5, 5.75, "speech")], 0, 6))
    grid.addTier(textgrid.PointTier("claps", [(4.0, "clap")], 0, 6))
    path = folder / "video.TextGrid"
    grid.save(str(path), format="short_textgrid", includeBlankSpaces=True)
    return path


def _import_on_the_page(page: Any, project: Any, path: Path, mapping: dict[str, Any], model: str,
                        shot: Path | None = None) -> None:
    page.goto(f"/projects/{project.pk}/manage/")
    page.get_by_test_id("annotation-import-file").set_input_files(str(path))
    page.get_by_test_id("annotation-import-preview").click()
    page.wait_for_selector("[data-testid='import-mapping']")
    assert "1 item matched" in page.get_by_test_id("import-items").inner_text()
    page.get_by_test_id("import-mapping").fill(json.dumps(mapping, indent=2))
    page.get_by_test_id("import-as").select_option("prelabel")
    page.get_by_test_id("import-model").fill(model)
    if shot is not None:
        page.screenshot(path=str(shot), full_page=True)
    page.get_by_test_id("import-annotations").click()
    page.wait_for_url(f"**/projects/{project.pk}/manage/")


def _hits(page: Any, lane: str) -> list[str]:
    return sorted(page.locator(f"[data-testid='lane-{lane}'] .tl-hit.suggestion").evaluate_all(
        "els => els.map(e => e.title)"))


def test_elan_and_praat_files_import_on_the_page_and_show_on_the_timeline(
        page: Any, project: Any, media_task: Any, manager: Any, annotator_a: Any, tmp_path: Path) -> None:  # noqa: F811
    login(page, "manager")
    # the page suggests nothing for these tier names (no track is called so): the manager maps them
    _import_on_the_page(page, project, _eaf(tmp_path), {
        "Speaker A": {"track": "speech", "labels": {"talk": "speech", "music": "music"}},
        "gesture": {"track": "events", "labels": {"clap": "clap"}}}, "elan", shot=tmp_path / "import-preview.png")
    assert "Imported 3 regions on 1 items as prelabel." in page.content()
    _import_on_the_page(page, project, _textgrid(tmp_path), {
        "Speaker B": {"track": "speech", "labels": {"speech": "speech"}},
        "claps": {"track": "events", "labels": {"clap": "clap"}}}, "praat")
    assert sorted(Prediction.objects.filter(task=media_task).values_list("model", flat=True)) == ["elan", "praat"]

    page.context.clear_cookies()
    login(page, "annotator_a")
    page.get_by_test_id(f"start-{project.pk}").click()
    page.wait_for_url("**/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll(\"[data-testid='lane-speech'] .tl-hit.suggestion\")"
                           ".length === 4", timeout=15_000)
    assert _hits(page, "speech") == ["music 00:03.000–00:04.200", "speech 00:00.500–00:01.500",
                                     "speech 00:01.000–00:02.500", "speech 00:04.500–00:05.750"]
    assert _hits(page, "events") == ["clap 00:01.500–00:01.500", "clap 00:04.000–00:04.000"]
    # placed where their times are on the lane: left edges in the order of their starts
    lefts = page.locator("[data-testid='lane-speech'] .tl-hit.suggestion").evaluate_all(
        "els => els.map(e => [e.title, e.getBoundingClientRect().left])")
    ordered = [title for title, _left in sorted(lefts, key=lambda t: t[1])]
    assert [t.split(" ")[1][:9] for t in ordered] == ["00:00.500", "00:01.000", "00:03.000", "00:04.500"]
    assert "elan import" in page.get_by_test_id("suggestions").inner_text()
    page.screenshot(path=str(tmp_path / "import-editor.png"))


def test_a_zip_with_a_recording_not_in_the_project_creates_its_item_from_the_page(
        page: Any, manager: Any, tmp_path: Path) -> None:
    from annotation.services.projects import project_create

    corpus = project_create(user=manager, name="Field corpus", overlap=1, schema={"tracks": [
        {"name": "speech", "kind": "segment", "stream": "audio", "labels": [{"value": "speech"}, {"value": "music"}]},
        {"name": "events", "kind": "point", "stream": "audio", "labels": [{"value": "clap"}]}]})
    wav = tmp_path / "video.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-ar", "16000", str(wav))
    upload = tmp_path / "corpus.zip"
    with zipfile.ZipFile(upload, "w") as zf:
        zf.write(_textgrid(tmp_path), "corpus/video.TextGrid")
        zf.write(wav, "corpus/media/video.wav")
    login(page, "manager")
    page.goto(f"/projects/{corpus.pk}/manage/")
    page.get_by_test_id("annotation-import-file").set_input_files(str(upload))
    page.get_by_test_id("annotation-import-preview").click()
    assert page.get_by_test_id("import-new-items").inner_text() == (
        "1 new item will be created with the media in the upload: video (corpus.zip/corpus/media/video.wav)")
    page.get_by_test_id("import-mapping").fill(json.dumps({"Speaker B": {"track": "speech"},
                                                           "claps": {"track": "events"}}))
    page.get_by_test_id("import-as").select_option("gold")
    page.screenshot(path=str(tmp_path / "import-new-item.png"), full_page=True)
    page.get_by_test_id("import-annotations").click()
    page.wait_for_url(f"**/projects/{corpus.pk}/manage/")
    assert "Imported 3 regions on 1 items as gold, 1 new items with their media." in page.content()
    task = Task.objects.get(project=corpus)
    assert (task.item.external_id, task.status) == ("video", "gold")
    assert [(s.role, s.asset.original_name) for s in task.item.streams.select_related("asset")] == [
        ("audio", "video.wav")]
