"""Files kept between a preview and its confirmation (the manage page's two-step annotation import).

A browser cannot send a file input twice, so the first post keeps the file under a random token
and the second names the token. The file lives in the default storage, under
``uploads/previews/{project}/{token}`` with its name beside it in ``{token}.name``, so the
confirmation may reach any web host. A preview nobody confirms is deleted after ``KEEP``: by the
project's next preview, or by ``previews_sweep`` for projects that make none.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from common.errors import InvalidInput
from datasets.services.storage import opened_locally, store

PREVIEWS_AREA = "uploads/previews/"
KEEP = timedelta(hours=24)
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _folder(project_id: int) -> str:
    return f"{PREVIEWS_AREA}{project_id}/"


def preview_keep(project_id: int, name: str, fileobj: IO[bytes]) -> str:
    """Keep ``fileobj`` (read from its start) under a new token; returns the token."""
    _expire(_folder(project_id), timezone.now() - KEEP)
    token = uuid.uuid4().hex
    key = _folder(project_id) + token
    size = fileobj.seek(0, 2)
    fileobj.seek(0)
    store(fileobj, key, size)
    label = name.encode("utf-8")
    store(ContentFile(label), f"{key}.name", len(label))
    return token


@contextmanager
def preview_opened(project_id: int, token: str) -> Iterator[tuple[str, IO[bytes]]]:
    """(name, a local seekable file) of a kept preview; 400 when the token names none."""
    key = _folder(project_id) + token
    if not _TOKEN.match(token) or not default_storage.exists(key) or not default_storage.exists(f"{key}.name"):
        raise InvalidInput("The previewed file is gone; upload it again.")
    with default_storage.open(f"{key}.name", "rb") as label:
        name = label.read().decode("utf-8")
    with opened_locally(key) as fh:
        yield name, fh


def preview_forget(project_id: int, token: str) -> None:
    if _TOKEN.match(token):
        for key in (_folder(project_id) + token, f"{_folder(project_id)}{token}.name"):
            default_storage.delete(key)


def previews_sweep(*, now: datetime | None = None) -> int:
    """Delete every project's previews older than ``KEEP``; returns how many files were deleted."""
    try:
        projects = default_storage.listdir(PREVIEWS_AREA)[0]
    except FileNotFoundError:
        return 0
    cutoff = (now or timezone.now()) - KEEP
    return sum(_expire(f"{PREVIEWS_AREA}{project}/", cutoff) for project in projects)


def _expire(folder: str, cutoff: datetime) -> int:
    try:
        names = default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in names:
        key = folder + name
        try:
            if default_storage.get_modified_time(key) < cutoff:
                default_storage.delete(key)
                deleted += 1
        except FileNotFoundError:
            continue  # confirmed or expired meanwhile
    return deleted

