"""With no SECRET_KEY set, the first run makes a random one under var/ and every later run reuses it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT_KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def _secret_key(var_dir: Path, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "tandem.settings", "TANDEM_VAR_DIR": str(var_dir), **extra})
    result = subprocess.run([sys.executable, "-c", PRINT_KEY], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=True)
    return result.stdout.strip()


def test_the_first_run_makes_a_private_random_key_later_runs_reuse_it_and_the_environment_wins(tmp_path: Path) -> None:
    first = _secret_key(tmp_path / "a")
    key_file = tmp_path / "a" / "secret_key"
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) == 86  # 64 random bytes, URL-safe base64
    assert _secret_key(tmp_path / "a") == first
    assert _secret_key(tmp_path / "b") != first  # no two installs share a key
    assert sorted(p.name for p in (tmp_path / "a").iterdir() if p.name.startswith(".secret_key")) == []
    # a key from the environment wins, and then nothing is written
    assert _secret_key(tmp_path / "c", SECRET_KEY="from-the-environment-" + "x" * 40) == "from-the-environment-" + "x" * 40
    assert not (tmp_path / "c" / "secret_key").exists()
