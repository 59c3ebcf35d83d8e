"""tests/unit/requirements.txt lists every package the unit tests import, so `ansible-test units` collects them all.

The imports are read from the unit tests, the test helper modules they import (tests/*.py, tests/winsim/,
tests/fixtures/) and the plugins they test, then mapped to their distributions (``winrm`` is pywinrm).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO_ROOT / "tests" / "unit" / "requirements.txt"
# What ansible-test itself provides to unit tests: pytest (and its plugins) and ansible-core with its
# own requirements.
PROVIDED = {"pytest", "ansible-core", "pyyaml", "jinja2", "packaging", "resolvelib", "markupsafe"}
FIRST_PARTY = {"tests", "ansible_collections", "ansible", "_pytest"}


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _unit_test_sources() -> list[Path]:
    helpers = [*REPO_ROOT.joinpath("tests").glob("*.py"), *REPO_ROOT.joinpath("tests", "winsim").rglob("*.py")]
    helpers += REPO_ROOT.joinpath("tests", "fixtures").rglob("*.py")
    helpers += REPO_ROOT.joinpath("plugins").rglob("*.py")
    return sorted({*REPO_ROOT.joinpath("tests", "unit").rglob("*.py"), *helpers})


def needed_distributions() -> dict[str, set[str]]:
    """Distribution (lower case) -> the source files that import it."""
    packages = importlib.metadata.packages_distributions()
    needed: dict[str, set[str]] = {}
    for path in _unit_test_sources():
        for name in _top_level_imports(path) - FIRST_PARTY - set(sys.stdlib_module_names):
            for distribution in packages.get(name, [name]):
                needed.setdefault(distribution.lower(), set()).add(str(path.relative_to(REPO_ROOT)))
    return needed


def listed() -> set[str]:
    names = set()
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)", line.split("#", 1)[0])
        if match:
            names.add(match.group(1).lower())
    return names


def test_every_imported_package_is_listed() -> None:
    missing = {name: files for name, files in needed_distributions().items() if name not in listed() | PROVIDED}
    assert missing == {}


def test_nothing_listed_is_unused() -> None:
    # ansible-builder is run as a program (tests/unit/test_execution_environment.py), not imported.
    assert listed() - set(needed_distributions()) == {"ansible-builder"}
