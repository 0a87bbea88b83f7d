"""The demo that ``make run`` serves: users, a project and a small generated item."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from annotation.models import Project
from annotation.services.imports import project_import
from annotation.services.projects import member_set, project_create, project_update

DEMO_PROJECT = "Demo: street interview"
DEMO_USERS = (("admin", "manager"), ("reviewer", "reviewer"), ("ann_a", "annotator"), ("ann_b", "annotator"))
DEMO_SENTENCES = ("Good morning, thanks for stopping by.", "Could you tell us where the station is?",
                  "Sure, it is two blocks down on the left.")

DEMO_SCHEMA: dict[str, Any] = {
    "tracks": [
        {"name": "speech", "kind": "segment", "stream": "mic",
         "labels": [{"value": "speaker A", "color": "#4f8cff", "hotkey": "1"},
                    {"value": "speaker B", "color": "#ff7a45", "hotkey": "2"}],
         "attributes": [{"name": "emotion", "type": "choice", "choices": ["neutral", "happy", "annoyed"]}]},
        {"name": "events", "kind": "point", "labels": [{"value": "gesture", "color": "#36cfc9", "hotkey": "g"}]},
        {"name": "scene", "kind": "segment", "stream": "video",
         "labels": [{"value": "indoor", "color": "#9254de", "hotkey": "i"},
                    {"value": "outdoor", "color": "#73d13d", "hotkey": "o"}]},
        {"name": "words", "kind": "transcript", "stream": "mic"},
        {"name": "entities", "kind": "span", "stream": "transcript",
         "labels": [{"value": "place", "color": "#f759ab", "hotkey": "p"}]},
        {"name": "faces", "kind": "box", "stream": "video", "labels": [{"value": "face", "color": "#ffc53d", "hotkey": "f"}]},
        {"name": "links", "kind": "relation", "labels": [{"value": "refers_to", "color": "#597ef7", "hotkey": "r"}]},
    ]
}

DEMO_PRELABELERS = [
    {"prelabeler": "vad", "track": "speech", "label": "speaker A", "stream": "mic"},
    {"prelabeler": "align", "track": "words", "stream": "mic", "text_stream": "transcript"},
    {"prelabeler": "shots", "track": "scene", "label": "outdoor", "stream": "video"},
]


LAPEL_DELAY_MS = 120  # the lapel recorder started late: the sync check should find this


def generate_demo_media(folder: Path, seconds: int = 12) -> dict[str, Path]:
    """A test-pattern video whose camera mic hears the speech, a lapel recording of the same
    speech 120 ms late, and the transcript."""
    video, mic, text = folder / "camera.mp4", folder / "lapel.wav", folder / "transcript.txt"
    speech = folder / "speech.wav"
    if shutil.which("espeak-ng"):
        subprocess.run(["espeak-ng", "-w", str(speech), " ".join(DEMO_SENTENCES)], check=True)
        src = ["-i", str(speech)]
    else:
        src = ["-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}"]
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}",
         *src, "-filter_complex", f"[1:a]adelay=1000,apad=whole_dur={seconds},volume=0.6[a]",
         "-map", "0:v", "-map", "[a]", "-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25",
         "-c:a", "aac", "-movflags", "+faststart", str(video)],
        check=True,
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *src, "-af", f"adelay={1000 + LAPEL_DELAY_MS},apad=whole_dur={seconds}",
         "-t", str(seconds), "-ar", "16000", "-ac", "1", str(mic)],
        check=True,
    )
    text.write_text(" ".join(DEMO_SENTENCES) + "\n", encoding="utf-8")
    return {"video": video, "mic": mic, "transcript": text}


@transaction.atomic
def demo_setup(*, with_media: bool = True) -> dict[str, Any]:
    """Create the demo users and project once; returns the new passwords (empty when they existed)."""
    users_model = get_user_model()
    passwords: dict[str, str] = {}
    users = {}
    for username, _role in DEMO_USERS:
        user = users_model.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(9)
            user = users_model.objects.create_user(username=username, password=password,
                                                   is_staff=username == "admin", is_superuser=username == "admin")
            passwords[username] = password
        users[username] = user
    project = Project.objects.filter(name=DEMO_PROJECT).first()
    if project is None:
        project = project_create(user=users["admin"], name=DEMO_PROJECT, schema=DEMO_SCHEMA, overlap=2,
                                 instructions="Mark who speaks when, tag gestures, fix the transcript, "
                                              "and link place names to the speech that mentions them.")
        for username, role in DEMO_USERS[1:]:
            member_set(project=project, user=users["admin"], member=users[username], role=role)
        project_update(project=project, user=users["admin"], data={"prelabelers": DEMO_PRELABELERS})
        if with_media:
            with tempfile.TemporaryDirectory() as tmp:
                files = generate_demo_media(Path(tmp))
                handles = {name: path.open("rb") for name, path in files.items()}
                try:
                    record = {"external_id": "interview-001",
                              "provenance": {"kind": "synthetic", "generator": "tandem-demo", "version": "1",
                                             "parameters": {"seconds": 12}},
                              "streams": [{"role": "video", "upload": "video"},
                                          {"role": "mic", "upload": "mic", "offset_ms": 0},
                                          {"role": "transcript", "upload": "transcript"}]}
                    project_import(project=project, user=users["admin"], records=[record], uploads=handles)
                finally:
                    for handle in handles.values():
                        handle.close()
    return {"project": project, "passwords": passwords}
