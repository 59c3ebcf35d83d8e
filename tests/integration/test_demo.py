"""The README's first command: the demo runs against the simulated fleet and ends compliant or GPO-held."""

from __future__ import annotations

import subprocess
import sys

from tests.simfleet import REPO_ROOT, ansible_env


def test_the_demo_converges_the_fleet_and_names_what_group_policy_holds() -> None:
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
