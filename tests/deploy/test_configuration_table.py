"""The README's configuration table names every variable the settings read, and no other."""

from __future__ import annotations

import re
from pathlib import Path

from tandem.env import VARIABLES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_read_from_the_environment_is_in_the_readme_table() -> None:
    text = README.read_text()
    table = text[text.index("## Configuration"):text.index("## The API")]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
    assert set(VARIABLES) - documented == set()
    assert documented - set(VARIABLES) == set()
