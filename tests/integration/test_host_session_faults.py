"""What users see when the transport or a registry write fails, and that hosts stay whole."""

from __future__ import annotations

import json
import os
import time

from tests.demo_fleet import BYPASS, CONNECTIONS, PROXY, winhttp_blob
from tests.winsim.registry import Registry

PLAY = f"""
- name: WinHTTP proxy
  hosts: windows
  gather_facts: false
  tasks:
    - name: Set the WinHTTP proxy
      proxyfleet.windows.winhttp_proxy:
        proxy: {PROXY}
        bypass: {BYPASS}
"""
TASK = "Set the WinHTTP proxy"
OLD = winhttp_blob("oldproxy.corp.example:3128", "<local>")
NEW = winhttp_blob(PROXY, ";".join(BYPASS))


def set_faults(fleet, rules: list[dict]) -> None:
    path = fleet.work / "faults.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    # The simulator re-reads the file when its mtime changes; make sure it does.
    later = time.time() + 1
    os.utime(path, (later, later))


def winhttp_values(fleet, host: str) -> dict[int, bytes | None]:
    registry = Registry.load(fleet.running.fleet_dir / f"{host}.reg")
    values = {}
    for view in (64, 32):
        value = registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view)
        values[view] = None if value is None else value.raw
    return values


def test_failed_write_rolls_back_reports_and_a_rerun_converges(faulty_fleet) -> None:
    # The rule applies to every command; only the apply command writes, so only it fails.
    set_faults(faulty_fleet, [{"host": "ws-004", "kind": "fail_write", "nth": 2}])
    run = faulty_fleet.playbook(PLAY, limit="ws-004")
    assert run.rc == 2
    result = run.for_task(TASK)["ws-004"]
    assert result["status"] == "failed"
    # Rolled back: the host is as it was, so the apply's backup was deleted again (issue 17.4: a failed,
    # rolled-back apply takes no backup slot; changed on purpose) and the task did not change anything.
    assert "backup_id" not in result["result"] and result["result"]["changed"] is False
    assert result["result"]["msg"] == (
        f"writing HKLM\\{CONNECTIONS} (32-bit view) value WinHttpSettings failed: Access to the registry key "
        "'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\"
        "Connections' is denied.; every value written before it was restored from the snapshot. Nothing was changed"
    )
    assert faulty_fleet.registry("ws-004").subkey_names("HKLM", "SOFTWARE\\proxyfleet\\Backups") == []
    assert result["result"]["host_commands"] == 2
    # Fully old: the 64-bit write that succeeded was undone.
    assert winhttp_values(faulty_fleet, "ws-004") == {64: OLD, 32: OLD}

    set_faults(faulty_fleet, [])
    again = faulty_fleet.playbook(PLAY, limit="ws-004")
    assert again.rc == 0, again.stdout + again.stderr
    assert again.for_task(TASK)["ws-004"]["status"] == "changed"
    assert winhttp_values(faulty_fleet, "ws-004") == {64: NEW, 32: NEW}


def test_dropped_connection_is_unreachable_and_other_hosts_go_on(faulty_fleet) -> None:
    set_faults(faulty_fleet, [{"host": "ws-004", "action": "Create", "kind": "drop"}])
    run = faulty_fleet.playbook(PLAY, limit="ws-004,ws-005")
    results = run.for_task(TASK)
    assert results["ws-004"]["status"] == "unreachable"
    assert results["ws-005"]["status"] == "changed"
    assert winhttp_values(faulty_fleet, "ws-004") == {64: OLD, 32: OLD}


def test_the_simulator_answers_only_our_agent(faulty_fleet) -> None:
    play = """
- name: Not our agent
  hosts: ws-001
  gather_facts: false
  tasks:
    - name: Raw command
      ansible.builtin.raw: ipconfig /all
"""
    run = faulty_fleet.playbook(play)
    result = run.for_task("Raw command")["ws-001"]
    assert result["status"] == "failed"
    assert result["result"]["rc"] == 1
    assert result["result"]["stderr"].strip() == (
        "winsim: command is not the proxyfleet.windows agent bootstrap ('ipconfig /all'): "
        "this simulator only runs proxyfleet.windows' host agent"
    )
