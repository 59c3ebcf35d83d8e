"""The entry points say what `make test` really runs: make help, docs/testing.md and the README list every stage."""

from __future__ import annotations

import configparser
import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
TESTING = (REPO_ROOT / "docs" / "testing.md").read_text(encoding="utf-8")


def make_test_stages() -> list[str]:
    """The prerequisites of `test` in the Makefile, in the order make runs them (several `test:` lines add up)."""
    return [name for line in re.findall(r"^test: (.+)$", MAKEFILE, re.MULTILINE) for name in line.split()]


STAGES = make_test_stages()


def test_the_stages_are_read_from_the_makefile() -> None:
    assert STAGES[:3] == ["static", "unit", "integration"]
    assert len(STAGES) == 12


def in_order(text: str, needles: list[str]) -> list[str]:
    """The needles not found in ``text`` after the previous one (empty: all there, in this order)."""
    missing, position = [], 0
    for needle in needles:
        found = text.find(needle, position)
        if found < 0:
            missing.append(needle)
        else:
            position = found + len(needle)
    return missing


def test_make_help_lists_every_stage_and_the_requirements() -> None:
    done = subprocess.run(["make", "-s", "help"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert in_order(done.stdout, [f"\n  {stage:<15} " for stage in STAGES]) == []
    for requirement in ("Python 3.13 and 3.11", "pyenv", "package index", "/usr/bin/chromium", "as root"):
        assert requirement in done.stdout


def test_docs_testing_lists_every_stage_and_the_requirements() -> None:
    assert in_order(TESTING, [f"| `make {stage}` |" for stage in STAGES]) == []
    for requirement in ("**Python 3.13 and Python 3.11.**", "**The Python package index.**", "**Chromium**", "as root"):
        assert requirement in TESTING


def test_readme_lists_every_stage_and_shows_the_report() -> None:
    tests = README[README.index("## Tests") :]
    assert in_order(tests, [f"`{stage}`" for stage in STAGES]) == []
    for requirement in ("Python 3.13 and 3.11", "pyenv", "package index", "chromium", "as root"):
        assert requirement in tests
    [image] = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", README)
    assert image == "docs/images/compliance-report.png"
    assert (REPO_ROOT / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("target", ["demo", "fleet", "test"])
def test_readme_commands_are_make_targets(target: str) -> None:
    assert f"\nmake {target} " in README
    assert re.search(rf"^{target}:", MAKEFILE, re.MULTILINE)


def test_the_checkout_is_the_collection_for_tools_run_from_it() -> None:
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / "ansible.cfg", encoding="utf-8")
    first = config["defaults"]["collections_path"].split(":")[0]
    # ansible.cfg's first collections path holds the link `make venv` makes (COLLECTION_LINK is its prerequisite).
    link = re.search(r"^COLLECTION_LINK := (.+)$", MAKEFILE, re.MULTILINE)
    assert link is not None
    assert link.group(1) == f"{first}/ansible_collections/proxyfleet/windows"
    assert re.search(r"^venv: \$\(STAMP\) \$\(COLLECTION_LINK\)$", MAKEFILE, re.MULTILINE)
    galaxy = (REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8")
    assert "\n  - ansible.cfg\n" in galaxy  # build_ignore: not part of the collection users install
