"""Which item each imported layer is: a task of the project, or a new item made from media in the upload.

A layer names its item (``SourceLayer.item_key`` and ``item_aliases``: an external id, a media
file name). It is the project's task whose item has that external id, or a stream whose media
file has that name (with or without its extension), when exactly one task does.

Media in the upload (files of a zip, or uploaded files that are media themselves, judged by
their first bytes) that no task has become new items, through the same path as an item import
(``project_import``: streams checked against the schema's roles, files stored, a task each). A
layer whose item matches no task takes the upload's media files that its names name (the same
base name, or the same name without extension), and files of one item's names go to one item;
media that no layer names becomes an item of its own (files that share a name without extension
share one). Each file's stream role is the one the schema leaves no doubt about for its kind
(``stream_roles.guess_roles``); an item that would lack a role a track is drawn on is refused,
naming the file and the role, before anything is stored.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.models import User

from annotation.models import Project, Task
from annotation.services.imports import check_stream_roles, project_import
from annotation.stream_roles import guess_roles
from common.errors import InvalidInput
from datasets.imports import MediaFile, SourceLayer, copy_media
from datasets.models import Stream

Index = tuple[dict[str, set[int]], dict[str, set[int]]]


def _stem(name: str) -> str:
    return os.path.splitext(name)[0]


def task_index(project: Project) -> Index:
    """Names → task ids: (external ids and media file names, media file names without extension)."""
    exact: dict[str, set[int]] = defaultdict(set)
    stems: dict[str, set[int]] = defaultdict(set)
    tasks = dict(Task.objects.filter(project=project).values_list("item_id", "id"))
    for item_id, ext in project.dataset.items.filter(pk__in=tasks.keys()).values_list("pk", "external_id"):
        if ext:
            exact[ext].add(tasks[item_id])
    for item_id, name in Stream.objects.filter(item_id__in=tasks.keys()).values_list("item_id", "asset__original_name"):
        if name:
            exact[name].add(tasks[item_id])
            stems[_stem(name)].add(tasks[item_id])
    return exact, stems


def _match(names: Sequence[str], index: Index) -> int | None:
    exact, stems = index
    for name in names:
        for table, key in ((exact, name), (stems, name), (stems, _stem(name))):
            found = table.get(key, set())
            if len(found) == 1:
                return next(iter(found))
    return None


def match_item(layer: SourceLayer, index: Index) -> int | None:
    """The task a layer's item is, if exactly one task goes by one of its names."""
    return _match((layer.item_key, *layer.item_aliases), index)


@dataclass
class NewItem:
    """An item the import makes: its external id (the name the annotation files call it) and media."""

    external_id: str
    media: list[MediaFile] = field(default_factory=list)


@dataclass
class ItemPlan:
    """Where each layer's item is: a task id, a new item (by its external id), or nowhere."""

    index: Index
    new: dict[str, NewItem]  # external id -> the item to make
    new_of: dict[str, str]  # layer item key -> external id of its new item

    def target(self, layer: SourceLayer) -> int | str | None:
        found = match_item(layer, self.index)
        return found if found is not None else self.new_of.get(layer.item_key)


def _names_media(names: Sequence[str], media: MediaFile) -> bool:
    return any(n in (media.name, _stem(media.name)) or _stem(n) == _stem(media.name) for n in names)


def plan_items(project: Project, layers: Sequence[SourceLayer], media: Sequence[MediaFile]) -> ItemPlan:
    """Match layers to tasks, and the upload's unknown media to the new items it makes."""
    index = task_index(project)
    seen: dict[str, MediaFile] = {}
    for m in media:
        if m.name in seen:
            raise InvalidInput(f"{m.file}: another media file of the upload is also named '{m.name}' "
                               f"({seen[m.name].file}); media files are matched by name, so rename one.", file=m.file)
        seen[m.name] = m
    free = [m for m in media if _match((m.name,), index) is None]
    new: dict[str, NewItem] = {}
    owner: dict[str, str] = {}  # media name -> external id of its new item
    new_of: dict[str, str] = {}
    for layer in layers:
        if layer.item_key in new_of or match_item(layer, index) is not None:
            continue
        names = (layer.item_key, *layer.item_aliases)
        mine = [m for m in free if _names_media(names, m)]
        if not mine:
            continue
        known = next((owner[m.name] for m in mine if m.name in owner), None)
        item = new.setdefault(known or layer.item_key, NewItem(known or layer.item_key))
        for m in mine:
            if m.name not in owner:
                owner[m.name] = item.external_id
                item.media.append(m)
        new_of[layer.item_key] = item.external_id
    leftovers: dict[str, list[MediaFile]] = defaultdict(list)
    for m in free:
        if m.name not in owner:
            leftovers[_stem(m.name)].append(m)
    for key, files in leftovers.items():
        item = new.setdefault(files[0].name if len(files) == 1 else key, NewItem(files[0].name if len(files) == 1
                                                                                 else key))
        item.media += files
    return ItemPlan(index=index, new=new, new_of=new_of)


def item_records(project: Project, plan: ItemPlan) -> list[dict[str, Any]]:
    """Manifest records of the new items, their roles guessed and checked against the schema (400 on a miss)."""
    schema = project.schema or {}
    records = []
    for item in plan.new.values():
        roles = [r or "media" for r in guess_roles(schema, [m.kind for m in item.media])]
        taken: dict[str, MediaFile] = {}
        for m, role in zip(item.media, roles, strict=True):
            if role in taken:
                raise InvalidInput(f"{m.file}: both it and {taken[role].file} would be the '{role}' stream of item "
                                   f"'{item.external_id}'; import one item's media at a time.", file=m.file)
            taken[role] = m
        record = {"external_id": item.external_id,
                  "streams": [{"role": r, "upload": m.name} for m, r in zip(item.media, roles, strict=True)]}
        try:
            check_stream_roles(schema, [record])
        except InvalidInput as exc:
            files = ", ".join(m.file for m in item.media)
            raise InvalidInput(f"{files}: {exc.detail}", file=item.media[0].file, **exc.extra) from None
        records.append(record)
    return records


@contextmanager
def _spooled(media: Sequence[tuple[MediaFile, Any]]) -> Iterator[dict[str, IO[bytes]]]:
    """Each media file streamed out of its upload into a temporary file (what the item import reads)."""
    with ExitStack() as stack:
        out: dict[str, IO[bytes]] = {}
        for m, source in media:
            spool = stack.enter_context(tempfile.TemporaryFile(prefix="tandem-import-media-"))
            copy_media(source, m, spool)
            spool.seek(0)
            out[m.name] = spool
        yield out


def items_create(project: Project, user: User, plan: ItemPlan, records: list[dict[str, Any]],
                 sources: Mapping[str, Any]) -> dict[str, int]:
    """Make the planned items with their media and a task each; external id → task id."""
    if not records:
        return {}
    media = [(m, sources[m.file]) for item in plan.new.values() for m in item.media]
    with _spooled(media) as uploads:
        done = project_import(project=project, user=user, records=records, uploads=uploads, check_roles=True)
    return {record["external_id"]: task_id for record, task_id in zip(records, done["task_ids"], strict=True)}
