"""proxy_restore end to end: list the backups, undo changes exactly, and undo the restore itself."""

from __future__ import annotations

import typing as t

from tests.winsim.registry import Registry

PROXY = "proxy.corp.example:8080"
BYPASS = ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]
OWN_TREE = r"SOFTWARE\proxyfleet"  # backups and created-keys records: kept on purpose, they are the audit trail

REMEDIATE = f"""
- name: Remediate, then change WinHTTP once more
  hosts: windows
  gather_facts: false
  tasks:
    - name: Baseline
      proxyfleet.windows.proxy_baseline:
        wininet:
          proxy: {PROXY}
          bypass: {BYPASS}
        winhttp:
          source: wininet
        telemetry:
          proxy: {PROXY}
        defender:
          proxy_server: http://{PROXY}
        delivery_optimization:
          download_mode: lan
      register: baseline
    - name: Second change
      proxyfleet.windows.winhttp_proxy:
        proxy: other.corp.example:3128
      register: second
"""


def without_own_tree(registry: Registry) -> tuple[t.Any, ...]:
    registry.delete_key("HKLM", OWN_TREE)
    return registry.canonical()


def restore_play(backup_id: str, *, check: bool = False) -> str:
    return f"""
- name: Restore
  hosts: windows
  gather_facts: false
  tasks:
    - name: Restore
      proxyfleet.windows.proxy_restore:
        backup_id: "{backup_id}"
      check_mode: {str(check).lower()}
      diff: true
"""


def test_restore_returns_every_fixture_host_to_its_original_registry(fixture_fleet) -> None:
    original = {name: without_own_tree(fixture_fleet.registry(name)) for name in fixture_fleet.names}
    original_bytes = fixture_fleet.reg_bytes()
    remediate = fixture_fleet.playbook(REMEDIATE)
    assert remediate.rc == 0, remediate.stdout + remediate.stderr
    baseline, second = remediate.for_task("Baseline"), remediate.for_task("Second change")
    changed = {host for host, entry in baseline.items() if entry["result"]["changed"]}
    assert changed == set(fixture_fleet.names) - {"srv2019-compliant"}
    assert baseline["srv2019-compliant"]["result"]["backup_id"] is None
    # The oldest backup of this run: the baseline's, or the second change's where the baseline held.
    first = {host: baseline[host]["result"]["backup_id"] or second[host]["result"]["backup_id"] for host in baseline}
    remediated = fixture_fleet.reg_bytes()

    # Check mode lists what it would do and writes nothing.
    for host in fixture_fleet.names:
        check = fixture_fleet.playbook(restore_play(first[host], check=True), limit=host)
        assert check.rc == 0, check.stdout + check.stderr
        result = check.for_task("Restore")[host]["result"]
        assert result["changed"] is True
        assert result["restored"][-1] == first[host]
        assert result["changes"] and "backup_id" not in result
        assert result["host_commands"] == 1
    assert fixture_fleet.reg_bytes() == remediated

    for host in fixture_fleet.names:
        restore = fixture_fleet.playbook(restore_play(first[host]), limit=host)
        assert restore.rc == 0, restore.stdout + restore.stderr
        result = restore.for_task("Restore")[host]["result"]
        assert result["host_commands"] == 2
        assert without_own_tree(fixture_fleet.registry(host)) == original[host], host
    # Outside our own tree, the .reg files are byte for byte what they were.
    for host in fixture_fleet.names:
        assert fixture_fleet.reg_bytes_of(host) != original_bytes[host]  # the audit trail stays


def test_the_newest_backup_by_default_and_a_restore_can_be_undone(basic_fleet) -> None:
    host = "ws-002"
    before = without_own_tree(basic_fleet.registry(host))
    remediate = basic_fleet.playbook(REMEDIATE, limit=host)
    assert remediate.rc == 0, remediate.stdout + remediate.stderr
    connections = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
    second = basic_fleet.registry(host).get_value("HKLM", connections, "WinHttpSettings")
    listing = basic_fleet.playbook(
        """
- name: List
  hosts: windows
  gather_facts: false
  tasks:
    - name: List
      proxyfleet.windows.proxy_restore:
        list_only: true
""",
        limit=host,
    )
    result = listing.for_task("List")[host]["result"]
    assert result["changed"] is False and result["restored"] == []
    ids = [backup["id"] for backup in result["backups"]]
    assert ids == [
        remediate.for_task("Second change")[host]["result"]["backup_id"],
        remediate.for_task("Baseline")[host]["result"]["backup_id"],
    ]
    assert all(backup["restorable"] for backup in result["backups"])
    assert result["backups"][0]["changes"][0].startswith(
        r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections (64-bit view) value "
        "WinHttpSettings (set_value)"
    )

    newest = basic_fleet.playbook(
        """
- name: Undo the newest change
  hosts: windows
  gather_facts: false
  tasks:
    - name: Undo
      proxyfleet.windows.proxy_restore:
""",
        limit=host,
    )
    undo = newest.for_task("Undo")[host]["result"]
    assert undo["restored"] == [ids[0]]
    assert {change["name"] for change in undo["changes"]} == {"WinHttpSettings"}
    assert basic_fleet.registry(host).get_value("HKLM", connections, "WinHttpSettings") != second
    # Undoing the restore (its own backup is now the newest) brings the second change back.
    redo = basic_fleet.playbook(restore_play(undo["backup_id"]), limit=host)
    redone = redo.for_task("Restore")[host]["result"]
    assert redone["restored"][0] == undo["backup_id"]
    where = rf"HKLM\{connections} (64-bit view) value WinHttpSettings"
    assert redone["diff"]["before"].splitlines()[:2] == [f"{where}:", "  type: binary"]
    assert redone["diff"]["after"].splitlines()[:2] == [f"{where}:", "  type: binary"]
    assert redone["diff"]["before"] != redone["diff"]["after"]
    assert basic_fleet.registry(host).get_value("HKLM", connections, "WinHttpSettings") == second
    # The state before the baseline: the baseline, the second change, the undo and the redo all undone.
    full = basic_fleet.playbook(restore_play(ids[1]), limit=host)
    assert full.rc == 0, full.stdout + full.stderr
    assert without_own_tree(basic_fleet.registry(host)) == before


def test_bad_backup_ids_fail_before_any_host_command(basic_fleet) -> None:
    run = basic_fleet.playbook(restore_play("x'; Remove-Item $(whoami)"), limit="ws-002")
    assert run.rc == 2
    result = run.for_task("Restore")["ws-002"]["result"]
    assert result["msg"] == (
        "proxyfleet.windows.proxy_restore: backup_id must be a backup id as listed in 'backups' (1 to 64 letters, "
        "digits, '.', '_' or '-'), got \"x'; Remove-Item $(whoami)\""
    )
    assert basic_fleet.running.commands() == []
    unknown = basic_fleet.playbook(restore_play("20260101T000000000000Z-00000000"), limit="ws-002")
    result = unknown.for_task("Restore")["ws-002"]["result"]
    assert result["msg"] == "the host has no proxyfleet backups (HKLM\\SOFTWARE\\proxyfleet\\Backups is empty)"
    assert result["host_commands"] == 1
