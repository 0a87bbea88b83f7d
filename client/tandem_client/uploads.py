"""Upload a folder of media through resumable uploads, then import one item per file.

Each file's upload id is kept in a journal (`uploads.json` beside the config) under the server,
project, path, size and modification time, so a command that was interrupted (network, Ctrl-C)
resumes every file from the offset the server reports instead of sending it again. Entries are
dropped once the import that names their assets has succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem_client import config
from tandem_client.api import ApiError, Client

CHUNK = 8 * 1024 * 1024
MEDIA_SUFFIXES = frozenset({
    ".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aif", ".aiff",
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts",
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff",
})
# Track kinds that read text, not media: their `stream` names a transcript, never a file's role.
TEXT_KINDS = frozenset({"span", "transcript", "relation"})


@dataclass(frozen=True)
class MediaFile:
    path: Path
    name: str  # path relative to the folder, with '/': the item's external id
    size: int


def media_files(folder: Path) -> list[MediaFile]:
    """Every media file under `folder` (hidden ones skipped), in name order so runs repeat."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in MEDIA_SUFFIXES:
            found.append(MediaFile(path=path, name=rel.as_posix(), size=path.stat().st_size))
    return found


def role_for(schema: dict[str, Any], given: str | None) -> str:
    """`--role`, else the first media stream a track of the schema names, else "media" (as a file import)."""
    if given:
        return given
    for track in schema.get("tracks", []):
        if isinstance(track, dict) and track.get("kind") not in TEXT_KINDS and isinstance(track.get("stream"), str):
            return str(track["stream"])
    return "media"


def _key(base_url: str, project_id: int, media: MediaFile) -> str:
    stat = media.path.stat()
    return f"{base_url}|{project_id}|{media.path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


class Uploader:
    def __init__(self, client: Client, project_id: int, *, chunk_size: int = CHUNK) -> None:
        self.client, self.project_id, self.chunk_size = client, project_id, chunk_size
        self.base_url = str(client.http.base_url)
        self.journal = config.read_journal()

    def _remember(self, key: str, entry: dict[str, Any] | None) -> None:
        if entry is None:
            self.journal.pop(key, None)
        else:
            self.journal[key] = entry
        config.write_journal(self.journal)

    def _start(self, key: str, media: MediaFile) -> tuple[str, int]:
        """(upload id, offset): the journal's upload at the server's offset, or a new one at 0."""
        entry = self.journal.get(key)
        if entry and entry.get("upload"):
            try:
                state = self.client.upload_status(entry["upload"])
                return str(state["id"]), int(state["offset"])
            except ApiError as exc:
                if exc.status != 404:
                    raise
                # the server forgot it (expired or removed): start over
        created = self.client.upload_create(self.project_id, media.path.name, media.size)
        self._remember(key, {"upload": created["id"]})
        return str(created["id"]), 0

    def upload(self, media: MediaFile, on_progress: Callable[[int], None]) -> int:
        """Send one file (resuming where the server stopped); returns its asset id."""
        key = _key(self.base_url, self.project_id, media)
        entry = self.journal.get(key) or {}
        if entry.get("asset"):
            on_progress(media.size)
            return int(entry["asset"])
        upload_id, offset = self._start(key, media)
        state: dict[str, Any] = {}
        on_progress(offset)
        with media.path.open("rb") as fh:
            while offset < media.size:
                fh.seek(offset)
                chunk = fh.read(self.chunk_size)
                try:
                    state = self.client.upload_chunk(upload_id, offset, chunk)
                except ApiError as exc:
                    # 409: the server holds a different offset (a chunk that did arrive before a
                    # break); continue from the server's offset rather than failing
                    if exc.status == 409 and isinstance(exc.body, dict) and isinstance(exc.body.get("offset"), int):
                        offset = exc.body["offset"]
                        continue
                    raise
                offset = int(state["offset"])
                on_progress(offset)
        if not state:  # every byte had arrived before: the server's answer holds the asset
            state = self.client.upload_status(upload_id)
        asset = state.get("asset")
        if not isinstance(asset, dict):
            raise ApiError(500, f"Upload {upload_id} of {media.name} finished without an asset.")
        self._remember(key, {"upload": upload_id, "asset": asset["id"]})
        return int(asset["id"])

    def forget(self, files: list[MediaFile]) -> None:
        """Drop the journal's entries once their items are imported (a rerun then uploads anew)."""
        for media in files:
            self.journal.pop(_key(self.base_url, self.project_id, media), None)
        config.write_journal(self.journal)


def manifest_records(files: list[MediaFile], assets: list[int], role: str) -> list[dict[str, Any]]:
    """One item per file, named by its path in the folder."""
    return [{"external_id": media.name, "streams": [{"role": role, "asset": asset}]}
            for media, asset in zip(files, assets, strict=True)]


def total_size(files: list[MediaFile]) -> int:
    return sum(f.size for f in files)


