"""``make fleet`` and the commands the docs give for it, run exactly as written, from the checkout root."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fleet import DELIVERY_OPTIMIZATION, INVENTORY, REPORT_DIR
from tests.simfleet import REPO_ROOT

DOCS = (REPO_ROOT / "docs" / "playbooks.md", REPO_ROOT / "docs" / "reports.md")
MARKER = "<!-- make-fleet-commands"
ONLY_FINDINGS = "no setting was checked, only findings (proxyfleet.windows.proxy_facts)"


def documented_commands(page: Path) -> list[str]:
    """Each line of the shell blocks that follow a make-fleet-commands marker in a page."""
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(re.escape(MARKER) + r"[^\n]*\n```sh\n(.*?)\n```", text, re.DOTALL)
    assert blocks, f"{page.name} has no {MARKER} block"
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def user_environment() -> dict[str, str]:
    """A shell as a user has it: no ANSIBLE_* or PROXYFLEET_* variable (the checkout's ansible.cfg must do)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "PROXYFLEET_"))}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return env


@pytest.fixture
def make_fleet() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """`python -m tests.fleet` (what `make fleet` runs) in the background, and what it printed until it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fleet"],
        cwd=REPO_ROOT,
        env=user_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    printed: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while not printed or printed[-1] != "Serving until Ctrl-C.":
            line = process.stdout.readline()
            assert line or process.poll() is None, "tests.fleet ended early:\n" + "\n".join(printed)
            assert time.monotonic() < deadline, "tests.fleet printed no 'Serving until Ctrl-C.' in 60 s"
            printed.append(line.rstrip("\n"))
        yield process, printed
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_make_fleet_prints_the_documented_commands_and_they_work_as_written(
    make_fleet: tuple[subprocess.Popen[str], list[str]],
) -> None:
    process, printed = make_fleet
    assert f"inventory          {INVENTORY.relative_to(REPO_ROOT)}" in printed
    start = printed.index(f"In another terminal, from the checkout root ({REPO_ROOT}):") + 1
    commands = [line.removeprefix("  ") for line in printed[start : start + 3]]
    assert all(line.startswith("  ") for line in printed[start : start + 3])
    # Both pages show the printed commands, and nothing else in their make-fleet blocks.
    assert documented_commands(DOCS[0]) == commands
    assert set(documented_commands(DOCS[1])) <= set(commands)
    assert any("playbooks/compliance.yml" in command for command in documented_commands(DOCS[1]))

    ran = {}
    for command in commands:
        ran[command] = subprocess.run(
            ["bash", "-c", command],
            cwd=REPO_ROOT,
            env=user_environment(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        done = ran[command]
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        # No warning from our own set-up (a collection path that is missing, a collection not found, ...).
        assert "[WARNING]" not in done.stderr, f"{command}\n{done.stderr}"
    doc, compliance, remediate = [ran[command] for command in commands]
    assert "proxyfleet.windows.winhttp_proxy" in doc.stdout
    assert "Manages the machine-wide WinHTTP default proxy" in doc.stdout

    report = json.loads((REPORT_DIR / "compliance.json").read_text(encoding="utf-8"))
    statuses = {host["name"]: (host["status"], host["not_assessed_reason"]) for host in report["hosts"]}
    expected = {name: ("drifted", "") for name in DELIVERY_OPTIMIZATION} | {
        name: ("not_assessed", ONLY_FINDINGS)
        for name in ("srv-008", "srv-009", "srv-010", "ws-001", "ws-003", "ws-006", "ws-007", "ws-011", "ws-012")
    }
    assert statuses == expected
    assert re.search(r"^  drifted +10$", compliance.stdout, re.MULTILINE)
    assert re.search(r"^  not_assessed +9$", compliance.stdout, re.MULTILINE)
    assert f"  ws-012: {ONLY_FINDINGS}" in compliance.stdout
    assert "written: " + str(REPORT_DIR / "compliance.html") in compliance.stdout
    assert re.search(r"^ws-004 +: ok=\d+ +changed=[1-9]", remediate.stdout, re.MULTILINE)

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
