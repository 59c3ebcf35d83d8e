"""The copied test vectors stay byte-identical to their sources (tests/fixtures/vectors/README.md)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

VECTORS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "vectors"


def _documented_digests() -> dict[str, str]:
    readme = (VECTORS_DIR / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+\.json)` \|.*\| `([0-9a-f]{64})` \|$", readme, flags=re.MULTILINE))


def test_every_vector_file_is_documented() -> None:
    on_disk = sorted(path.name for path in VECTORS_DIR.glob("*.json"))
    assert on_disk == sorted(_documented_digests())
    assert on_disk == ["real_world_blobs.json", "winhttp_settings_wine.json"]


@pytest.mark.parametrize("name", ["real_world_blobs.json", "winhttp_settings_wine.json"])
def test_vector_file_matches_its_documented_digest(name: str) -> None:
    digest = hashlib.sha256((VECTORS_DIR / name).read_bytes()).hexdigest()
    assert digest == _documented_digests()[name]


def test_no_tracked_test_file_reads_outside_the_checkout() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for path in (root / "tests").rglob("*.py")
        if re.search(r"""["']shared["']\s*/\s*["']vectors|\.\./shared/vectors""", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
