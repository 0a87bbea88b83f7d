"""The `tandem` command line against a live server: login, project, resumable folder upload, import, export, releases.

The CLI's main() runs in this process and talks HTTP to pytest-django's live server (a thread of
this process), so Celery runs eagerly there: an export is finished by the time its POST answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from tandem_client import cli
from tandem_client.api import Client

from annotation.models import Job, Project
from annotation.services.projects import project_update
from datasets.exports import FORMATS
from datasets.models import Asset, Item, Upload

pytestmark = pytest.mark.django_db(transaction=True)
CHUNK = 16_384
SCHEMA_YAML = """\
tracks:
  - name: speech
    kind: segment
    stream: audio
    labels:
      - {value: speech, hotkey: "1"}
  - name: words
    kind: transcript
"""



@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config dir of the test's own; no TANDEM_URL/TANDEM_TOKEN from the environment."""
    folder = tmp_path / "config"
    monkeypatch.setenv("TANDEM_CONFIG_DIR", str(folder))
    monkeypatch.delenv("TANDEM_URL", raising=False)
    monkeypatch.delenv("TANDEM_TOKEN", raising=False)
    return folder


def _wav(path: Path, seconds: int, hz: int) -> bytes:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={hz}:duration={seconds}",
                    "-ar", "16000", "-ac", "1", str(path)], check=True)
    return path.read_bytes()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_uploads_a_folder_with_a_resumed_upload_and_downloads_an_export(
        live_server: Any, manager: User, eager: None, home: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # login: the token lands in an owner-only config file
    code, out, _ = _run(capsys, "login", "--url", live_server.url, "--username", "manager",
                        "--password", "manager-pass-123")
    assert code == 0
    config = home / "config.json"
    assert out == f"Logged in to {live_server.url} as manager (token saved in {config})\n"
    assert json.loads(config.read_text()) == {"url": live_server.url, "token": Token.objects.get(user=manager).key}
    assert config.stat().st_mode & 0o777 == 0o600

    # a project from a YAML schema
    schema_file = tmp_path / "schema.yaml"
    schema_file.write_text(SCHEMA_YAML)
    code, out, _ = _run(capsys, "projects", "create", "--name", "Field recordings", "--schema", str(schema_file),
                        "--overlap", "2")
    project = Project.objects.get(name="Field recordings")
    assert (code, out) == (0, f"Created project {project.pk} 'Field recordings' (overlap 2)\n")
    assert project.schema["tracks"][0] == {"name": "speech", "kind": "segment", "stream": "audio", "attributes": [],
                                           "labels": [{"value": "speech", "hotkey": "1", "color": "#4f8cff"}]}
    assert project.overlap == 2
    code, out, _ = _run(capsys, "projects", "list")
    assert (code, out) == (0, "   id   tasks    done  role       name\n"
                              f"{project.pk:>5}       0       0  manager    Field recordings\n")

    # a folder of two WAVs (and a file that is not media); the first run breaks after one chunk
    folder = tmp_path / "session-1"
    folder.mkdir()
    a = _wav(folder / "a.wav", 2, 440)
    b = _wav(folder / "b.wav", 1, 660)
    (folder / "notes.txt").write_text("not media")
    sent: list[tuple[str, int, int]] = []
    real_chunk = Client.upload_chunk

    def breaks_after_one(self: Client, upload_id: str, offset: int, chunk: bytes) -> dict[str, Any]:
        if sent:
            raise httpx.ConnectError("connection reset", request=httpx.Request("PATCH", f"/api/uploads/{upload_id}/"))
        sent.append((upload_id, offset, len(chunk)))
        return real_chunk(self, upload_id, offset, chunk)

    monkeypatch.setattr(Client, "upload_chunk", breaks_after_one)
    code, out, err = _run(capsys, "upload", "Field recordings", str(folder), "--chunk-size", str(CHUNK))
    assert code == 1
    upload = Upload.objects.get()
    assert err.endswith(f"error: no answer from /api/uploads/{upload.pk}/: connection reset "
                        "(run the command again to resume)\n")
    assert (upload.filename, upload.size, upload.received) == ("a.wav", len(a), CHUNK)
    assert Item.objects.count() == 0

    # the second run resumes a.wav at the server's offset, then sends b.wav, then imports both
    sent.clear()

    def records(self: Client, upload_id: str, offset: int, chunk: bytes) -> dict[str, Any]:
        sent.append((upload_id, offset, len(chunk)))
        return real_chunk(self, upload_id, offset, chunk)

    monkeypatch.setattr(Client, "upload_chunk", records)
    code, out, err = _run(capsys, "upload", str(project.pk), str(folder), "--chunk-size", str(CHUNK))
    assert (code, out) == (0, f"Imported 2 items (2 tasks) into project {project.pk} as role 'audio'\n")
    assert err == f"upload 2 files [##############################] 100% {(len(a) + len(b)) / 1024:.1f} KiB/" \
                  f"{(len(a) + len(b)) / 1024:.1f} KiB\n"
    upload_b = Upload.objects.exclude(pk=upload.pk).get()
    expected = [(str(upload.pk), o, min(CHUNK, len(a) - o)) for o in range(CHUNK, len(a), CHUNK)]
    expected += [(str(upload_b.pk), o, min(CHUNK, len(b) - o)) for o in range(0, len(b), CHUNK)]
    assert sent == expected  # a.wav's first chunk was not sent again
    items = list(Item.objects.order_by("external_id").prefetch_related("streams__asset"))
    assert [(i.external_id, [(s.role, s.asset.sha256) for s in i.streams.all()]) for i in items] == [
        ("a.wav", [("audio", hashlib.sha256(a).hexdigest())]),
        ("b.wav", [("audio", hashlib.sha256(b).hexdigest())]),
    ]
    assert Asset.objects.count() == 2
    assert json.loads((home / "uploads.json").read_text()) == {}  # imported: nothing left to resume

    # a pre-label run over the two recordings (vad mapped onto the speech track), waited for
    project_update(project=project, user=manager,
                   data={"prelabelers": [{"prelabeler": "vad", "track": "speech", "label": "speech", "stream": "audio"}]})
    code, out, err = _run(capsys, "prelabel", str(project.pk), "vad", "--wait", "--interval", "0.01")
    run = Job.objects.get(kind=Job.Kind.PRELABEL)
    assert (code, out) == (0, f"Pre-label run {run.pk} queued\n"
                              f"Pre-label run {run.pk} succeeded: 2 items, 2 predictions written\n")
    assert err == f"pre-label {run.pk} [##############################] 100% 100/100\n"

    # a manifest import
    manifest = tmp_path / "manifest.jsonl"
    a_asset = Asset.objects.get(sha256=hashlib.sha256(a).hexdigest()).pk
    manifest.write_text(json.dumps({"external_id": "note-1", "streams": [
        {"role": "audio", "asset": a_asset}, {"role": "transcript", "text": "hello"}]}) + "\n")
    code, out, err = _run(capsys, "import", str(project.pk), str(manifest))
    assert (code, out) == (0, f"Imported 1 items (1 tasks) into project {project.pk}\n"), err

    # an export as a release, waited for and downloaded
    target = tmp_path / "out" / "v1.jsonl"
    target.parent.mkdir()
    code, out, err = _run(capsys, "export", str(project.pk), "--format", "jsonl", "--include", "all",
                          "--release", "v1", "--out", str(target), "--interval", "0.01")
    job = Job.objects.get(kind=Job.Kind.EXPORT)
    data = target.read_bytes()
    assert code == 0, err
    assert out == (f"Export {job.pk} queued\n"
                   f"Saved {target} (3 items, {len(data)} bytes, sha256 {job.result['sha256']})\n")
    assert hashlib.sha256(data).hexdigest() == job.result["sha256"]
    assert err.splitlines()[0] == f"export {job.pk} [##############################] 100% 100/100"
    lines = [json.loads(line) for line in data.decode().splitlines()]
    vad_of_sine: list[tuple[str, str, list[Any]]] = [("prediction", "vad", [])]  # a steady tone holds no speech
    assert [(r["external_id"], [(s["role"], s.get("sha256")) for s in r["streams"]],
             [(x["kind"], x["annotator"], x["regions"]) for x in r["annotations"]]) for r in lines] == [
        ("a.wav", [("audio", hashlib.sha256(a).hexdigest())], vad_of_sine),
        ("b.wav", [("audio", hashlib.sha256(b).hexdigest())], vad_of_sine),
        ("note-1", [("audio", hashlib.sha256(a).hexdigest()), ("transcript", hashlib.sha256(b"hello").hexdigest())], []),
    ]

    # releases
    code, out, _ = _run(capsys, "releases", "Field recordings")
    assert (code, out) == (0, "   id  format       status      items  name\n"
                              f"{job.pk:>5}  jsonl        succeeded       3  v1\n")


def test_server_errors_are_printed_with_their_detail_and_a_nonzero_exit(
        live_server: Any, manager: User, project: Project, home: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(capsys, "releases", str(project.pk)) == (
        2, "", "error: Not logged in: run `tandem login`, or set TANDEM_URL and TANDEM_TOKEN.\n")
    code, _, err = _run(capsys, "login", "--url", live_server.url, "--username", "manager", "--password", "wrong")
    assert (code, err) == (1, "error: the server answered 400: Invalid input. non_field_errors: "
                              "Unable to log in with provided credentials.\n")
    monkeypatch.setenv("TANDEM_URL", live_server.url)
    monkeypatch.setenv("TANDEM_TOKEN", Token.objects.create(user=manager).key)
    code, _, err = _run(capsys, "export", str(project.pk), "--format", "docx")
    assert (code, err) == (1, "error: the server answered 400: Unknown format 'docx'; use one of "
                              f"{', '.join(sorted(FORMATS))}. (field: format)\n")
    code, _, err = _run(capsys, "prelabel", str(project.pk), "nosuch", "--wait")
    assert (code, err) == (1, "error: the server answered 400: The project maps no pre-labelers onto its "
                              "tracks; set its 'prelabelers' first. (field: prelabelers)\n")
    bad_schema = tmp_path / "schema.yaml"
    bad_schema.write_text("tracks: [\n")
    code, _, err = _run(capsys, "projects", "create", "--name", "x", "--schema", str(bad_schema))
    assert (code, err.splitlines()[0]) == (2, f"error: {bad_schema} is not valid YAML: while parsing a flow node")
    assert Project.objects.filter(name="x").count() == 0
    (tmp_path / "x.wav").write_bytes(b"RIFF")
    code, _, err = _run(capsys, "upload", "Nobody's project", str(tmp_path))
    assert (code, err) == (1, "error: the server answered 404: No project named \"Nobody's project\"; "
                              "give the project's id.\n")
    assert Job.objects.count() == 0


def test_the_installed_command_runs_without_django() -> None:
    # the `tandem` console script of this environment (pip install ./client), in a fresh interpreter
    script = Path(sys.executable).parent / "tandem"
    help_text = subprocess.run([str(script), "--help"], check=True, capture_output=True, text=True).stdout
    assert " ".join(help_text.split()).startswith(  # argparse wraps the usage line to the terminal width
        "usage: tandem [-h] {login,projects,upload,import,annotations,prelabel,export,releases} ... ")
    probe = ("import sys, tandem_client.cli; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')))")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env)
    assert loaded.stdout == "[]\n"


def test_the_cli_plans_then_imports_subtitles_as_suggestions(
        live_server: Any, manager: User, project: Project, make_items: Any, home: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import webvtt

    from annotation.models import Prediction

    (task,) = make_items(project, 1)  # external id "item-0"
    vtt = webvtt.WebVTT()
    vtt.captions.append(webvtt.Caption("00:00:01.000", "00:00:02.500", "Hello there."))
    path = tmp_path / "item-0.vtt"
    vtt.save(str(path))
    monkeypatch.setenv("TANDEM_URL", live_server.url)
    monkeypatch.setenv("TANDEM_TOKEN", Token.objects.create(user=manager).key)

    code, out, err = _run(capsys, "annotations", str(project.pk), str(path), "--dry-run")
    assert code == 0, err
    planned = json.loads(out)
    assert [(layer["layer"], layer["regions"]) for layer in planned["layers"]] == [("subtitles", 1)]
    assert planned["items"] == {"matched": [{"key": "item-0", "task": task.pk}], "new": [], "unmatched": []}
    assert Prediction.objects.count() == 0

    code, out, err = _run(capsys, "annotations", str(project.pk), str(path), "--model", "captions",
                          "--mapping", '{"subtitles": {"track": "words"}}')
    assert (code, out) == (0, f"Imported 1 regions on 1 tasks into project {project.pk} as prelabel\n"), err
    prediction = Prediction.objects.get()
    assert (prediction.task_id, prediction.model) == (task.pk, "captions")
    assert [(r["track"], r["start_ms"], r["end_ms"], r["text"]) for r in prediction.result["regions"]] == [
        ("words", 1000, 2500, "Hello there.")]
