"""The WinRM password never appears in output, diffs, results, the simulator's log or on-host backups."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.integration.conftest import Fleet

PLAY = """
- name: Secrets
  hosts: ws-001,ws-002,ws-004
  gather_facts: false
  tasks:
    - name: Check with diff
      proxyfleet.windows.proxy_baseline:
        winhttp: {proxy: "proxy.corp.example:8080", bypass: ["<local>"]}
        telemetry: {proxy: "proxy.corp.example:8080"}
      check_mode: true
      diff: true
    - name: Write one proxy
      proxyfleet.windows.proxy_baseline:
        winhttp: {proxy: "proxy-a.corp.example:8080", bypass: ["<local>"]}
        defender: {proxy_server: "http://proxy-a.corp.example:8080"}
      diff: true
    - name: Write another
      proxyfleet.windows.proxy_baseline:
        winhttp: {proxy: "proxy-b.corp.example:8080", bypass: ["<local>"]}
        defender: {proxy_server: "http://proxy-b.corp.example:8080"}
      diff: true
      ignore_errors: true
    - name: Facts
      proxyfleet.windows.proxy_facts:
"""


def password_of(fleet: Fleet) -> tuple[str, str]:
    """The run's WinRM user and password, from the inventory the simulator wrote."""
    text = fleet.running.inventory.read_text(encoding="utf-8")
    user = re.search(r'^\s*ansible_user: "(.*)"$', text, re.MULTILINE)
    password = re.search(r'^\s*ansible_password: "(.*)"$', text, re.MULTILINE)
    assert user and password
    return user.group(1), password.group(1)


def forms(user: str, password: str) -> list[str]:
    """The password as it could leak: plain, and inside a Basic Authorization header."""
    basic = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return [password, basic, basic.rstrip("=")]


@pytest.mark.parametrize("verbosity", ["", "-v", "-vv", "-vvv", "-vvvv"])
def test_the_password_stays_secret(faulty_fleet: Fleet, verbosity: str) -> None:
    user, password = password_of(faulty_fleet)
    assert len(password) >= 20  # distinctive: a chance match is impossible
    (faulty_fleet.work / "faults.json").write_text(
        json.dumps([{"host": "ws-004", "kind": "fail_write", "nth": 2, "skip": 3}]), encoding="utf-8"
    )
    run = faulty_fleet.playbook(PLAY, *([verbosity] if verbosity else []))
    assert run.rc == 0, run.stdout + run.stderr
    statuses = {entry["task"]: entry["status"] for entry in run.results if entry["host"] == "ws-002"}
    assert statuses == {"Check with diff": "changed", "Write one proxy": "changed", "Write another": "changed",
                        "Facts": "ok"}  # fmt: skip
    # ws-004's second write fails, so a failure message and a rollback are among what is scanned.
    assert [entry["status"] for entry in run.results if entry["host"] == "ws-004"] == [
        "changed",
        "changed",
        "failed",
        "ok",
    ]
    if verbosity == "-vvvv":
        assert "ESTABLISH WINRM CONNECTION" in run.stdout  # the verbose output really is there

    haystacks = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "results": json.dumps(run.results),
        "simulator log": faulty_fleet.running.log.read_text(encoding="utf-8"),
        "simulator stderr": faulty_fleet.running.stderr_path.read_text(encoding="utf-8"),
    }
    for name in faulty_fleet.names:
        # The hosts' registries, on-host backups under HKLM\SOFTWARE\proxyfleet\Backups included.
        haystacks[f"{name}.reg"] = faulty_fleet.reg_bytes_of(name).decode("utf-16")
    assert "Backups" in haystacks["ws-002.reg"]
    # The scan does find the password where it is meant to be: the inventory.
    assert password in faulty_fleet.running.inventory.read_text(encoding="utf-8")
    for where, text in haystacks.items():
        for form in forms(user, password):
            assert form not in text, f"the WinRM password appears in {where}"
