"""Tandem's REST API as plain method calls (paths and payloads: docs/architecture.md, /api/schema/)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DOWNLOAD_CHUNK = 1024 * 1024
FINISHED = ("succeeded", "partial", "failed")


class ApiError(Exception):
    """The server answered 4xx/5xx; `detail` is its message (`{"detail": …}` or field errors)."""

    def __init__(self, status: int, detail: str, body: Any = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail, self.body = status, detail, body


def _fields(errors: dict[str, Any]) -> str:
    parts = []
    for key, value in errors.items():
        text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(f"{key}: {text}")
    return ", ".join(parts)


def _detail(body: Any) -> str:
    """One readable line from the server's error shapes (common/errors.py): {"detail", "field"?} or
    {"detail": "Invalid input.", "errors": {field: [messages]}}; plain DRF field errors as a fallback."""
    if isinstance(body, dict):
        if "detail" not in body:
            return _fields(body) or "error"
        detail = body["detail"]
        text = "; ".join(str(d) for d in detail) if isinstance(detail, list) else str(detail)
        if isinstance(body.get("errors"), dict):
            text = f"{text} {_fields(body['errors'])}"
        if body.get("field"):
            text = f"{text} (field: {body['field']})"
        return text
    if isinstance(body, list):
        return "; ".join(str(v) for v in body)
    return str(body)


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    response.read()
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text.strip()[:500] or response.reason_phrase
    raise ApiError(response.status_code, _detail(body), body)


def token_for(url: str, username: str, password: str) -> str:
    """Username + password → API token (POST /api/auth/token/)."""
    with httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT) as http:
        response = http.post("/api/auth/token/", data={"username": username, "password": password})
        _raise_for(response)
        return str(response.json()["token"])


class Client:
    def __init__(self, url: str, token: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT, transport=transport,
                                 headers={"Authorization": f"Token {token}"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        _raise_for(response)
        return response.json() if response.content else None

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every row of a paginated list, following `next` until it is null."""
        url: str | None = path
        while url:
            page = self.call("GET", url)
            if isinstance(page, list):  # an unpaginated list
                yield from page
                return
            yield from page["results"]
            url = page.get("next")

    # projects
    def projects(self) -> list[dict[str, Any]]:
        return list(self.pages("/api/projects/"))

    def project_create(self, *, name: str, schema: dict[str, Any], overlap: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "schema": schema}
        if overlap is not None:
            body["overlap"] = overlap
        return dict(self.call("POST", "/api/projects/", json=body))

    def project(self, ref: str) -> dict[str, Any]:
        """A project by id, or by its exact name among the caller's projects."""
        if ref.isdigit():
            return dict(self.call("GET", f"/api/projects/{ref}/"))
        matches = [p for p in self.projects() if p["name"] == ref]
        if len(matches) != 1:
            what = "No project" if not matches else f"{len(matches)} projects"
            raise ApiError(404, f"{what} named {ref!r}; give the project's id.")
        return matches[0]

    def import_records(self, project_id: int, records: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self.call("POST", f"/api/projects/{project_id}/import/", json={"items": records}))

    def import_manifest(self, project_id: int, manifest: Path) -> dict[str, Any]:
        with manifest.open("rb") as fh:
            files = {"manifest": (manifest.name, fh, "application/jsonl")}
            return dict(self.call("POST", f"/api/projects/{project_id}/import/", files=files))

    def import_annotations(self, project_id: int, path: Path, fields: dict[str, str]) -> dict[str, Any]:
        """Annotations from an ELAN, Praat, WebVTT/SRT, Label Studio or Tandem file (``dry_run`` to plan only)."""
        with path.open("rb") as fh:
            files = {"file": (path.name, fh, "application/octet-stream")}
            return dict(self.call("POST", f"/api/projects/{project_id}/annotations/import/", files=files, data=fields))

    # resumable uploads (docs/architecture.md: create, PATCH at Upload-Offset, GET to resume)
    def upload_create(self, project_id: int, filename: str, size: int) -> dict[str, Any]:
        return dict(self.call("POST", f"/api/projects/{project_id}/uploads/", json={"filename": filename, "size": size}))

    def upload_status(self, upload_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/api/uploads/{upload_id}/"))

    def upload_chunk(self, upload_id: str, offset: int, chunk: bytes) -> dict[str, Any]:
        headers = {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
        return dict(self.call("PATCH", f"/api/uploads/{upload_id}/", content=chunk, headers=headers))

    # jobs
    def prelabel_start(self, project_id: int, prelabelers: list[str]) -> dict[str, Any]:
        return dict(self.call("POST", f"/api/projects/{project_id}/prelabel/", json={"prelabelers": prelabelers}))

    def prelabel_job(self, job_id: int) -> dict[str, Any]:
        return dict(self.call("GET", f"/api/prelabel-jobs/{job_id}/"))

    def export_start(self, project_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Start an export; the same export already running (409) is returned instead of failing."""
        try:
            return dict(self.call("POST", f"/api/projects/{project_id}/exports/", json=body))
        except ApiError as exc:
            if exc.status == 409 and isinstance(exc.body, dict) and isinstance(exc.body.get("job"), dict):
                return dict(exc.body["job"])
            raise

    def export_job(self, job_id: int) -> dict[str, Any]:
        return dict(self.call("GET", f"/api/exports/{job_id}/"))

    def exports(self, project_id: int) -> list[dict[str, Any]]:
        return list(self.pages(f"/api/projects/{project_id}/exports/"))

    def download(self, path: str, out: Path, on_progress: Callable[[int, int], None] | None = None) -> str:
        """Stream a file to `out` (written beside it, then renamed); returns the server's SHA-256 header."""
        tmp = out.with_name(out.name + ".part")
        with self.http.stream("GET", path) as response:
            _raise_for(response)
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            with tmp.open("wb") as fh:
                for chunk in response.iter_bytes(DOWNLOAD_CHUNK):
                    fh.write(chunk)
                    done += len(chunk)
                    if on_progress:
                        on_progress(done, total)
            sha256 = str(response.headers.get("X-Content-SHA256", ""))
        tmp.replace(out)
        return sha256
