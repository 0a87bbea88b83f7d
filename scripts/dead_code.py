"""Dead code in the apps: functions, methods, classes, properties and imports used nowhere.

    .venv/bin/python scripts/dead_code.py          (part of make lint)

Runs vulture over the apps, the tests, the benchmarks and the scripts, and reports what is defined
in the apps and named nowhere, not even in a test. Two kinds of vulture finding are left out on
purpose: class-level variables and attributes, because Django and DRF read them by name (model
fields, serializer fields, ``Meta`` options, settings) and reporting them would bury the real
findings under false ones. A dotted name in a string (``"web.site_views.not_found"`` in
``handler404``, a Celery task queued by name, a class in ``MIDDLEWARE``) counts as a use of its
last part. The names that frameworks call by convention (views' ``get``/``post``,
serializers' ``get_*``/``validate_*``, admin hooks, Celery tasks, signal receivers...) are listed,
with the reason, in ``scripts/dead_code_allow.txt``; a line there starting with ``@`` names a
decorator whose functions are reached through a registry.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from vulture import Vulture

ROOT = Path(__file__).resolve().parents[1]
APPS = ("common", "datasets", "annotation", "qa", "web", "tandem")
# A use anywhere here keeps a definition alive (a helper used only by a test is not dead).
USED_FROM = (*APPS, "tests", "bench", "scripts", "manage.py")
EXCLUDE = ["*/migrations/*", "*/node_modules/*"]
# Below 60 vulture only guesses; every kind we keep is reported at 60 or more.
MIN_CONFIDENCE = 60
SKIPPED_KINDS = {"variable", "attribute"}
DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def python_files() -> Iterator[Path]:
    for name in USED_FROM:
        path = ROOT / name
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            if "migrations" not in file.parts and "node_modules" not in file.parts:
                yield file


def named_in_strings() -> set[str]:
    """The last part of every dotted name written in a string literal (settings, task names, handlers)."""
    names: set[str] = set()
    for file in python_files():
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), filename=str(file))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED.match(node.value):
                names.add(node.value.rsplit(".", 1)[1])
    return names


def read_allow_list(path: Path) -> tuple[list[str], list[str]]:
    """(name patterns, decorator patterns) from the allow-list; ``#`` starts a comment."""
    names: list[str] = []
    decorators: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        entry = raw.split("#", 1)[0].strip()
        if entry:
            (decorators if entry.startswith("@") else names).append(entry)
    return names, decorators


def main() -> int:
    names, decorators = read_allow_list(ROOT / "scripts" / "dead_code_allow.txt")
    vulture = Vulture(ignore_names=names, ignore_decorators=decorators)
    vulture.scavenge([str(ROOT / p) for p in USED_FROM], exclude=EXCLUDE)
    roots = tuple(str(ROOT / app) + "/" for app in APPS)
    in_strings = named_in_strings()
    dead = [
        item
        for item in vulture.get_unused_code(min_confidence=MIN_CONFIDENCE)
        if item.typ not in SKIPPED_KINDS and str(item.filename).startswith(roots) and item.name not in in_strings
    ]
    for item in dead:
        path = Path(item.filename).relative_to(ROOT)
        print(f"{path}:{item.first_lineno}: unused {item.typ} '{item.name}' ({item.confidence}% confidence)")
    if dead:
        print(f"{len(dead)} unused definitions: remove them, or add the name to scripts/dead_code_allow.txt with why.")
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(main())
