"""Which item each imported layer is (``annotation_import_items``): a task by one unambiguous name, or a new
item made from the upload's media, refused before anything is stored when it would lack a schema role."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from annotation.models import Project, Task
from annotation.services.annotation_import_items import item_records, items_create, match_item, plan_items, task_index
from annotation.services.projects import project_create
from common.errors import InvalidInput
from datasets.imports import MediaFile, SourceLayer
from datasets.models import Asset, Stream

AUDIO_SCHEMA = {"tracks": [{"name": "speech", "kind": "segment", "stream": "audio", "labels": [{"value": "speech"}]}]}


def layer(key: str, *aliases: str) -> SourceLayer:
    return SourceLayer(file="talk.eaf", item_key=key, layer="Speech", regions=[], item_aliases=aliases)


def media(name: str, kind: str = "audio") -> MediaFile:
    return MediaFile(file=f"up.zip/m/{name}", member=f"m/{name}", name=name, kind=kind, size=10)


def _stored() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_layer_is_the_task_that_alone_goes_by_one_of_its_names(project: Project,
                                                                 make_items: Callable[..., list[Task]]) -> None:
    first, second = make_items(project, 2)
    index = task_index(project)
    assert match_item(layer("item-1"), index) == second.pk
    assert match_item(layer("nobody", "item-0"), index) == first.pk
    # both items' transcripts are stored as 'text.txt': a name two tasks share names neither
    assert match_item(layer("text.txt"), index) is None
    assert match_item(layer("text"), index) is None


def test_media_go_to_the_layer_that_names_them_and_the_rest_become_items_of_their_own(
        project: Project, make_items: Callable[..., list[Task]]) -> None:
    [task] = make_items(project, 1)
    files = [media("interview-9.wav"), media("interview-9.mp4", "video"), media("extra.wav"), media("b.wav"),
             media("b.txt", "text"), media("text.wav")]  # 'text.wav': the task's own 'text.txt', by stem
    plan = plan_items(project, [layer("session", "interview-9.wav"), layer("item-0")], files)
    assert {k: [m.name for m in v.media] for k, v in plan.new.items()} == {
        "session": ["interview-9.wav", "interview-9.mp4"], "extra.wav": ["extra.wav"], "b": ["b.wav", "b.txt"]}
    assert plan.new_of == {"session": "session"}
    assert (plan.target(layer("session")), plan.target(layer("item-0")), plan.target(layer("zzz"))) == (
        "session", task.pk, None)


def test_two_media_files_of_one_name_are_refused(project: Project) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_items(project, [], [media("a.wav"), MediaFile("up.zip/x/a.wav", "x/a.wav", "a.wav", "audio", 3)])
    assert caught.value.detail == ("up.zip/x/a.wav: another media file of the upload is also named 'a.wav' "
                                   "(up.zip/m/a.wav); media files are matched by name, so rename one.")
    assert caught.value.extra == {"file": "up.zip/x/a.wav"}


def test_an_item_that_would_lack_a_role_of_the_schema_is_refused_naming_its_file_and_the_role(
        project: Project) -> None:
    plan = plan_items(project, [], [media("tone.wav")])
    with pytest.raises(InvalidInput) as caught:
        item_records(project, plan)
    assert caught.value.detail == (
        "up.zip/m/tone.wav: Item 'tone.wav' has no stream with role 'transcript', which track 'entities' of the "
        "schema is drawn on (its streams: media).")
    assert caught.value.extra == {"file": "up.zip/m/tone.wav", "field": "items[0].streams", "missing_role": "transcript"}
    audio = project_create(user=project.created_by, name="Audio", schema=AUDIO_SCHEMA, overlap=1)
    with pytest.raises(InvalidInput, match=r"^up.zip/m/b.wav: both it and up.zip/m/a.wav would be the 'audio' stream"):
        item_records(audio, plan_items(audio, [layer("x", "a.wav", "b.wav")], [media("a.wav"), media("b.wav")]))


def test_planned_items_are_made_with_their_media_and_a_task_each(manager: User, tmp_path: Path) -> None:
    project = project_create(user=manager, name="Audio", schema=AUDIO_SCHEMA, overlap=1)
    path = tmp_path / "tone.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ar", "16000",
                    str(path)], check=True)
    data = path.read_bytes()
    upload: dict[str, Any] = {"tone.wav": data}
    plan = plan_items(project, [], [MediaFile("tone.wav", "", "tone.wav", "audio", len(data))])
    records = item_records(project, plan)
    assert records == [{"external_id": "tone.wav", "streams": [{"role": "audio", "upload": "tone.wav"}]}]
    created = items_create(project, manager, plan, records, upload)
    task = Task.objects.select_related("item").get(project=project)
    assert created == {"tone.wav": task.pk}
    stream = Stream.objects.select_related("asset").get(item=task.item)
    assert (stream.role, stream.asset.kind, stream.asset.size, task.item.external_id) == ("audio", "audio", len(data),
                                                                                          "tone.wav")
    assert items_create(project, manager, plan_items(project, [], []), [], {}) == {}
    assert Asset.objects.filter(dataset=project.dataset).count() == 1 and len(_stored()) == 1
