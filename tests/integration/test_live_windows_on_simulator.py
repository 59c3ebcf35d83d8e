"""The live-Windows suite (test_live_windows.py) run against the simulated fleet, writes included.

CI has no Windows hosts, so this keeps the live path working: same environment variables a lab
sets, an inventory the simulator wrote, every live test must pass and none may be skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import Fleet
from tests.simfleet import REPO_ROOT


def test_live_suite_passes_against_the_simulator(basic_fleet: Fleet, tmp_path: Path) -> None:
    env = dict(
        os.environ,
        PROXYFLEET_LIVE_INVENTORY=str(basic_fleet.running.inventory),
        PROXYFLEET_LIVE_WRITE="1",
        PROXYFLEET_LIVE_LIMIT="all",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "--basetemp",
            str(tmp_path / "live"),
            "tests/integration/test_live_windows.py",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout and "skipped" not in done.stdout, done.stdout
    # The write test put every host's 32-bit WinHTTP view back.
    for name in basic_fleet.names:
        assert b"proxyfleet-live-test.invalid" not in basic_fleet.reg_bytes_of(name).replace(b"\x00", b"")
