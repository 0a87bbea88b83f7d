"""`tandem`: the command line over Tandem's REST API.

Exit codes: 0 done, 1 the server refused or a job failed (its message is printed), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import yaml

from tandem_client import config
from tandem_client.api import FINISHED, ApiError, Client, token_for
from tandem_client.progress import Progress
from tandem_client.uploads import CHUNK, Uploader, manifest_records, media_files, role_for, total_size


class UsageError(Exception):
    """A local problem the user can fix (missing file, bad schema file)."""


def _client() -> Client:
    cfg = config.load()
    return Client(cfg.url, cfg.token)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def cmd_login(args: argparse.Namespace) -> int:
    password = args.password if args.password is not None else getpass.getpass("Password: ")
    token = token_for(args.url, args.username, password)
    path = config.save(args.url, token)
    _out(f"Logged in to {args.url.rstrip('/')} as {args.username} (token saved in {path})")
    return 0


def _schema(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    try:
        data = yaml.safe_load(text) if is_yaml else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise UsageError(f"{path} is not valid {'YAML' if is_yaml else 'JSON'}: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path} must hold an object with 'tracks'.")
    return data


def cmd_projects_list(args: argparse.Namespace) -> int:
    with _client() as client:
        rows = client.projects()
    _out(f"{'id':>5}  {'tasks':>6}  {'done':>6}  {'role':<10} name")
    for p in rows:
        counts = p.get("counts") or {}
        _out(f"{p['id']:>5}  {counts.get('tasks', 0):>6}  {counts.get('completed', 0):>6}  "
             f"{p.get('role') or '-':<10} {p['name']}")
    return 0


def cmd_projects_create(args: argparse.Namespace) -> int:
    schema = _schema(Path(args.schema))
    with _client() as client:
        project = client.project_create(name=args.name, schema=schema, overlap=args.overlap)
    _out(f"Created project {project['id']} '{project['name']}' (overlap {project['overlap']})")
    return 0


def cmd_upload(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder.")
    files = media_files(folder)
    if not files:
        raise UsageError(f"no media files in {folder}.")
    with _client() as client:
        project = client.project(args.project)
        role = role_for(project.get("schema") or {}, args.role)
        uploader = Uploader(client, project["id"], chunk_size=args.chunk_size)
        bar = Progress(f"upload {len(files)} files", total_size(files))
        sent_before = 0
        assets = []
        for media in files:
            base = sent_before
            assets.append(uploader.upload(media, lambda done: bar.update(base + done)))  # noqa: B023 (used at once)
            sent_before += media.size
        bar.close()
        result = client.import_records(project["id"], manifest_records(files, assets, role))
        uploader.forget(files)
    _out(f"Imported {result['items']} items ({result['tasks']} tasks) into project {project['id']} as role '{role}'")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    manifest = Path(args.manifest)
    if not manifest.is_file():
        raise UsageError(f"{manifest} is not a file.")
    with _client() as client:
        project = client.project(args.project)
        result = client.import_manifest(project["id"], manifest)
    _out(f"Imported {result['items']} items ({result['tasks']} tasks) into project {project['id']}")
    return 0


def cmd_annotations(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path} is not a file.")
    fields = {"as": args.as_, "model": args.model or "", "annotator": args.annotator or ""}
    if args.mapping:
        fields["mapping"] = Path(args.mapping).read_text() if Path(args.mapping).is_file() else args.mapping
    if args.dry_run:
        fields["dry_run"] = "1"
    with _client() as client:
        project = client.project(args.project)
        result = client.import_annotations(project["id"], path, fields)
    if args.dry_run:
        _out(json.dumps(result, indent=2, sort_keys=True))
    else:
        _out(f"Imported {result['regions']} regions on {result['tasks']} tasks into project {project['id']} "
             f"as {result['as']}")
    return 0


def _wait(label: str, job: dict[str, Any], poll: Callable[[], dict[str, Any]], interval: float) -> dict[str, Any]:
    """Poll a job until it finishes, drawing its 0-100 progress."""
    bar = Progress(label, 100, unit="percent")
    while True:
        bar.update(int(job.get("progress") or 0))
        if job["status"] in FINISHED:
            break
        time.sleep(interval)
        job = poll()
    bar.close()
    return job


def _finished(kind: str, job: dict[str, Any]) -> int:
    if job["status"] == "succeeded":
        return 0
    sys.stderr.write(f"error: {kind} {job['id']} {job['status']}: {job.get('error') or 'no message'}\n")
    return 1


def cmd_prelabel(args: argparse.Namespace) -> int:
    with _client() as client:
        project = client.project(args.project)
        job = client.prelabel_start(project["id"], args.prelabelers)
        _out(f"Pre-label run {job['id']} {job['status']}")
        if not args.wait:
            return 0
        job = _wait(f"pre-label {job['id']}", job, lambda: client.prelabel_job(job["id"]), args.interval)
        result = job.get("result") or {}
        _out(f"Pre-label run {job['id']} {job['status']}: {result.get('items_ok', 0)} items, "
             f"{result.get('predictions_written', 0)} predictions written")
        return _finished("pre-label run", job)


def _file_name(job: dict[str, Any]) -> str:
    # the server's name, reduced to one safe path component
    name = str((job.get("result") or {}).get("file_name") or f"export-{job['id']}")
    return re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name) or f"export-{job['id']}"


def cmd_export(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"format": args.format, "include": args.include}
    if args.release:
        body["release"] = args.release
    with _client() as client:
        project = client.project(args.project)
        job = client.export_start(project["id"], body)
        _out(f"Export {job['id']} {job['status']}")
        if not (args.wait or args.out):
            return 0
        job = _wait(f"export {job['id']}", job, lambda: client.export_job(job["id"]), args.interval)
        if _finished("export", job):
            return 1
        out = Path(args.out) if args.out else Path.cwd() / _file_name(job)
        bar = Progress(f"download {out.name}", int(job["result"].get("bytes") or 0))
        sha256 = client.download(job["download_url"], out, lambda done, _total: bar.update(done))
        bar.close()
    expected = job["result"].get("sha256")
    if expected and sha256 != expected:
        raise UsageError(f"{out}: checksum {sha256} differs from the export's {expected}; download it again.")
    _out(f"Saved {out} ({job['result'].get('items', 0)} items, {out.stat().st_size} bytes, sha256 {expected})")
    return 0


def cmd_releases(args: argparse.Namespace) -> int:
    with _client() as client:
        project = client.project(args.project)
        jobs = [j for j in client.exports(project["id"]) if j.get("release_name")]
    _out(f"{'id':>5}  {'format':<12} {'status':<10} {'items':>6}  name")
    for job in jobs:
        fmt = (job.get("params") or {}).get("format", "?")
        items = (job.get("result") or {}).get("items", "-")
        _out(f"{job['id']:>5}  {fmt:<12} {job['status']:<10} {items!s:>6}  {job['release_name']}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tandem", description="Command line for a Tandem annotation server.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("login", help="get a token and keep it in the config file")
    s.add_argument("--url", required=True, help="server, e.g. http://localhost:8000")
    s.add_argument("--username", required=True)
    s.add_argument("--password", help="asked for when not given")
    s.set_defaults(func=cmd_login)

    projects = sub.add_parser("projects", help="list or create projects").add_subparsers(dest="action", required=True)
    s = projects.add_parser("list")
    s.set_defaults(func=cmd_projects_list)
    s = projects.add_parser("create")
    s.add_argument("--name", required=True)
    s.add_argument("--schema", required=True, help="label schema, .json or .yaml")
    s.add_argument("--overlap", type=int, help="annotators per task")
    s.set_defaults(func=cmd_projects_create)

    s = sub.add_parser("upload", help="upload every media file of a folder and import one item per file")
    s.add_argument("project", help="project id or name")
    s.add_argument("folder")
    s.add_argument("--role", help="stream role of the files (default: the schema's first media stream, else 'media')")
    s.add_argument("--chunk-size", type=int, default=CHUNK, help="bytes per request (default 8 MiB)")
    s.set_defaults(func=cmd_upload)

    s = sub.add_parser("import", help="import a JSONL manifest of items")
    s.add_argument("project")
    s.add_argument("manifest")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("annotations", help="import annotations (ELAN, Praat, WebVTT/SRT, Label Studio, Tandem)")
    s.add_argument("project")
    s.add_argument("file", help="an .eaf, .TextGrid, .vtt, .srt, .json or .jsonl file, or a zip of them")
    s.add_argument("--as", dest="as_", default="prelabel", choices=["prelabel", "human", "gold"],
                   help="what the regions become (default: prelabel)")
    s.add_argument("--model", help="model name of imported suggestions (--as prelabel)")
    s.add_argument("--annotator", help="member whose work it becomes (--as human; default: as named in the file)")
    s.add_argument("--mapping", help="JSON (or a JSON file): layer -> {track, labels}; default: suggested by name")
    s.add_argument("--dry-run", action="store_true", help="only show the layers, the items matched and the mapping")
    s.set_defaults(func=cmd_annotations)

    s = sub.add_parser("prelabel", help="start a pre-label run")
    s.add_argument("project")
    s.add_argument("prelabelers", nargs="+", metavar="prelabeler")
    s.add_argument("--wait", action="store_true", help="wait for the run to finish")
    s.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_prelabel)

    s = sub.add_parser("export", help="start an export; with --wait or --out, download it when ready")
    s.add_argument("project")
    s.add_argument("--format", required=True)
    s.add_argument("--include", default="gold", help="gold (default), submitted or all")
    s.add_argument("--release", help="make it a named, immutable release")
    s.add_argument("--wait", action="store_true")
    s.add_argument("--out", help="where to save the file (default: the server's file name here)")
    s.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("releases", help="list the project's releases")
    s.add_argument("project")
    s.set_defaults(func=cmd_releases)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ApiError as exc:
        sys.stderr.write(f"error: the server answered {exc.status}: {exc.detail}\n")
    except httpx.RequestError as exc:
        sys.stderr.write(f"error: no answer from {exc.request.url}: {exc} (run the command again to resume)\n")
    except (config.ConfigError, UsageError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted (an upload resumes where it stopped when run again)\n")
        return 130
    return 1
