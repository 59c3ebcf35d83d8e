"""No two test modules share a file name, so `pytest tests/unit tests/integration` collects in one run.

The test directories have no ``__init__.py``: pytest imports each test module by its file name alone
(rootdir-based "prepend" import mode), and a second module of the same name fails collection with
"import file mismatch".
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_basename() -> None:
    modules: defaultdict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        if "output" not in path.relative_to(TESTS).parts:
            modules[path.name].append(str(path.relative_to(TESTS)))
    assert len(modules) > 50  # the walk found the test tree
    assert {name: paths for name, paths in modules.items() if len(paths) > 1} == {}
