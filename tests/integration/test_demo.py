"""The README's first command: the demo runs against the simulated fleet and ends compliant or GPO-held."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.demo import KEEP_RUNS, RUNS
from tests.simfleet import REPO_ROOT, ansible_env


def test_the_demo_converges_the_fleet_and_names_what_group_policy_holds() -> None:
    # Older run folders than any real one: the demo keeps the newest KEEP_RUNS, its own included.
    stale = [RUNS / f"20000101-00000{number}" for number in range(KEEP_RUNS + 1)]
    for folder in stale:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        check_the_demo(stale)
    finally:
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)


def check_the_demo(stale: list[Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.demo"],
        cwd=REPO_ROOT,
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "  -> 18 of 19 hosts drift; 19 WinRM commands in all;" in "\n".join(lines)
    assert "  -> 18 of 19 hosts compliant" in lines
    assert "  -> win11-gpo-telemetry keeps what Group Policy sets: telemetry.proxy by GPO 'Contoso MDE proxy'." in lines
    assert (
        "  -> compliance report: 1 compliant, 18 drifted, 0 unknown, 0 not assessed "
        "(the page's path is printed at the end)" in lines
    )

    # The last line is the HTML page of the check, beside the other three report files.
    page = Path(lines[-1])
    assert (page.name, page.parent.name, page.parent.parent.parent) == ("compliance.html", "report", RUNS)
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(path.name for path in page.parent.iterdir()) == [
        "compliance.csv",
        "compliance.html",
        "compliance.json",
        "compliance.junit.xml",
    ]
    totals = json.loads((page.parent / "compliance.json").read_text(encoding="utf-8"))["totals"]
    assert (totals["hosts"], totals["drifted"], totals["compliant"]) == (19, 18, 1)

    runs = sorted(path for path in RUNS.iterdir() if path.is_dir())
    assert len(runs) <= KEEP_RUNS
    assert runs[-1] == page.parent.parent
    assert not [folder for folder in stale[: len(stale) - KEEP_RUNS + 1] if folder.exists()]
