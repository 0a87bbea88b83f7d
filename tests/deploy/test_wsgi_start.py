"""What a web worker does once, as it loads the application, before its first request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys
before = gc.get_freeze_count()
import tandem.wsgi
print(json.dumps({"frozen_before": before, "frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects()),
                  "views_loaded": "annotation.api.tasks" in sys.modules and "qa.api" in sys.modules}))
"""


def test_loading_the_application_imports_every_view_and_freezes_what_it_built() -> None:
    # The views are imported before the freeze, or a worker's first request would build them after it
    # and every full collection would walk them again, pausing the worker's threads.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tandem.settings"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state["frozen_before"] == 0
    assert state["views_loaded"] is True
    # What the collector still walks is a small part of what is frozen (before: everything).
    assert state["frozen"] > 50_000
    assert state["tracked"] < state["frozen"] / 5, state
