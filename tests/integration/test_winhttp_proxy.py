"""winhttp_proxy end to end: real ansible-playbook over real WinRM against the simulated fleet.

The rhythm of every change: check mode reports and writes nothing; apply writes exactly what was
asked in both views; a second apply changes nothing and costs one host command per host.
"""

from __future__ import annotations

import pytest

from tests.demo_fleet import BYPASS, CONNECTIONS, DEMO_HOSTS, PROXY, winhttp_blob
from tests.winsim.registry import Registry

COMPLIANT_HOSTS = {"ws-001", "ws-006", "ws-011"}
DRIFTING_HOSTS = {host.name for host in DEMO_HOSTS} - COMPLIANT_HOSTS
BACKUPS = r"SOFTWARE\proxyfleet\Backups"
BYPASS_LINES = "".join(f"    - {entry}\n" for entry in BYPASS)
ORIGINAL_BLOBS = {host.name: {64: host.view64, 32: host.view32} for host in DEMO_HOSTS}

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


def expected_blob(host: str) -> bytes:
    """Exactly what the module must leave in both views."""
    if host == "ws-007":
        # Header 0x28 and its second DWORD (4) are kept: Windows writes 0 there after netsh set proxy, so it
        # is not a change counter (docs/dev/real-blobs.md).
        return winhttp_blob(PROXY, ";".join(BYPASS), header=0x28, counter=4)
    return winhttp_blob(PROXY, ";".join(BYPASS))


def commands_per_host(entries: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[str(entry["host"])] = counts.get(str(entry["host"]), 0) + 1
    return counts


def test_check_apply_reapply(fleet) -> None:
    original = fleet.reg_bytes()

    check = fleet.playbook(PLAY, "--check")
    assert check.rc == 0, check.stdout + check.stderr
    results = check.for_task(TASK)
    assert {host for host, entry in results.items() if entry["status"] == "changed"} == DRIFTING_HOSTS
    assert {host for host, entry in results.items() if entry["status"] == "ok"} == COMPLIANT_HOSTS
    # Nobody but this collection owns WinHTTP on the demo hosts: every entry carries owner local.
    assert results["ws-003"]["result"]["drift"] == [
        {"setting": "winhttp.32.access_type", "current": "direct", "desired": "named_proxy", "owner": "local"},
        {"setting": "winhttp.32.proxy", "current": None, "desired": PROXY, "owner": "local"},
        {"setting": "winhttp.32.bypass", "current": [], "desired": BYPASS, "owner": "local"},
    ]
    assert results["ws-005"]["result"]["drift"] == [
        {"setting": "winhttp.64.bypass", "current": ["<local>", "*.corp.example"], "desired": BYPASS, "owner": "local"},
        {"setting": "winhttp.32.bypass", "current": ["<local>", "*.corp.example"], "desired": BYPASS, "owner": "local"},
    ]
    assert results["ws-001"]["result"]["drift"] == []
    assert all(entry["result"]["host_commands"] == 1 for entry in results.values())
    assert all(entry["result"]["backup_id"] is None for entry in results.values())
    assert fleet.reg_bytes() == original, "check mode must not write"
    assert commands_per_host(fleet.running.commands()) == {name: 1 for name in fleet.names}

    apply = fleet.playbook(PLAY, "--diff")
    assert apply.rc == 0, apply.stdout + apply.stderr
    results = apply.for_task(TASK)
    assert {host for host, entry in results.items() if entry["status"] == "changed"} == DRIFTING_HOSTS
    assert {host: entry["result"]["host_commands"] for host, entry in results.items()} == {
        name: (2 if name in DRIFTING_HOSTS else 1) for name in fleet.names
    }
    for host in fleet.names:
        registry = Registry.load(fleet.running.fleet_dir / f"{host}.reg")
        for view in (64, 32):
            value = registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view)
            wanted = ORIGINAL_BLOBS[host][view] if host in COMPLIANT_HOSTS else expected_blob(host)
            assert value is not None and value.raw == wanted, (host, view)
            neighbour = registry.get_value("HKLM", CONNECTIONS, "SavedLegacySettings", view=view)
            assert neighbour is not None and neighbour.raw == bytes.fromhex("46000000020000000100000000000000")
        backups = registry.subkey_names("HKLM", BACKUPS)
        if host in COMPLIANT_HOSTS:
            assert backups == []
            assert fleet.reg_bytes()[host] == original[host]
        else:
            assert backups == [results[host]["result"]["backup_id"]]
    ws003 = results["ws-003"]["result"]
    view64 = (
        f"64:\n  access_type: named_proxy\n  proxy: {PROXY}\n  bypass:\n{BYPASS_LINES}"
        "  value_present: true\n  header: 0x18\n"
    )
    assert ws003["diff"] == [
        {
            "before_header": "WinHTTP default proxy",
            "after_header": "WinHTTP default proxy",
            "before": view64
            + "32:\n  access_type: direct\n  proxy: null\n  bypass: []\n  value_present: false\n  header: null\n",
            "after": view64 + view64.replace("64:", "32:", 1),
        }
    ]
    assert ws003["after"]["32"] == {
        "access_type": "named_proxy",
        "proxy": PROXY,
        "bypass": BYPASS,
        "value_present": True,
        "header": "0x18",
    }
    assert results["ws-007"]["result"]["after"]["64"]["header"] == "0x28"

    before_reapply = len(fleet.running.commands())
    again = fleet.playbook(PLAY)
    assert again.rc == 0, again.stdout + again.stderr
    results = again.for_task(TASK)
    assert {entry["status"] for entry in results.values()} == {"ok"}
    assert all(entry["result"]["drift"] == [] for entry in results.values())
    new_commands = fleet.running.commands()[before_reapply:]
    assert commands_per_host(new_commands) == {name: 1 for name in fleet.names}
    # Reads only: the registry and, in the same command, the Resultant Set of Policy.
    assert {op["op"] for entry in new_commands for op in entry["operations"]} == {"read", "wmi_query"}


def test_backup_holds_the_prior_values_exactly(basic_fleet) -> None:
    run = basic_fleet.playbook(PLAY, limit="ws-004,ws-002")
    assert run.rc == 0, run.stdout + run.stderr
    results = run.for_task(TASK)
    for host, prior in (("ws-004", winhttp_blob("oldproxy.corp.example:3128", "<local>")), ("ws-002", None)):
        backup_id = results[host]["result"]["backup_id"]
        registry = Registry.load(basic_fleet.running.fleet_dir / f"{host}.reg")
        root = rf"{BACKUPS}\{backup_id}"
        assert registry.get_value("HKLM", root, "Count").raw == (2).to_bytes(4, "little")
        for index, view in enumerate((64, 32)):
            item = rf"{root}\{index}"
            assert registry.get_value("HKLM", item, "View").raw == view.to_bytes(4, "little")
            assert registry.get_value("HKLM", item, "Path").raw == (CONNECTIONS + "\0").encode("utf-16-le")
            assert registry.get_value("HKLM", item, "Name").raw == "WinHttpSettings\0".encode("utf-16-le")
            existed = registry.get_value("HKLM", item, "ValueExisted").raw
            data = registry.get_value("HKLM", item, "Data")
            if prior is None:
                assert existed == (0).to_bytes(4, "little") and data is None
            else:
                assert existed == (1).to_bytes(4, "little") and data is not None and data.raw == prior


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            "proxy: 'https://proxy.corp.example:8080'",
            "proxy: 'https://proxy.corp.example:8080' is not a valid proxy; expected host:port (a host name, an IPv4 "
            "address or a bracketed IPv6 address such as [fd00::1], then a port 1-65535), e.g. proxy.corp.example:8080 "
            "without a scheme",
        ),
        (
            "proxy: 'p:8080'\n        bypass: ['ok', '$(Stop-Computer)', 'x y']",
            "bypass[2]: 'x y' is not a valid bypass entry; expected a host name, address or wildcard pattern such as "
            "*.corp.example, 10.*, <local> or <-loopback>, without spaces, quotes, ';', control or non-ASCII "
            "characters",
        ),
        (
            "state: absent\n        proxy: 'p:1'",
            "proxy cannot be used with state=absent, which sets direct access; remove it or use state=present",
        ),
        ("views: [64, 16]", "views: 16 is not a registry view; accepted: 64, 32"),
        (
            "proxy: 'p:1'\n        colour: blue",
            "Unsupported parameters for (proxyfleet.windows.winhttp_proxy) module: colour. "
            "Supported parameters include: bypass, override_gpo, override_owner, proxy, source, state, views.",
        ),
    ],
    ids=["scheme", "bypass", "absent-with-proxy", "views", "unknown-option"],
)
def test_bad_input_fails_before_any_host_command(basic_fleet, args: str, message: str) -> None:
    play = f"""
- name: Bad input
  hosts: ws-001
  gather_facts: false
  tasks:
    - name: Bad call
      proxyfleet.windows.winhttp_proxy:
        {args}
"""
    original = basic_fleet.reg_bytes()
    run = basic_fleet.playbook(play)
    assert run.rc == 2
    result = run.for_task("Bad call")["ws-001"]
    assert result["status"] == "failed"
    assert result["result"]["msg"] == message
    assert basic_fleet.running.commands() == []
    assert basic_fleet.reg_bytes() == original


def test_absent_sets_direct_in_the_chosen_view_only(basic_fleet) -> None:
    play = """
- name: Direct
  hosts: ws-004
  gather_facts: false
  tasks:
    - name: Reset
      proxyfleet.windows.winhttp_proxy:
        state: absent
        views: [32]
"""
    run = basic_fleet.playbook(play)
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task("Reset")["ws-004"]["result"]
    assert result["changed"] is True
    assert result["drift"] == [
        {"setting": "winhttp.32.access_type", "current": "named_proxy", "desired": "direct", "owner": "local"}
    ]
    registry = Registry.load(basic_fleet.running.fleet_dir / "ws-004.reg")
    assert registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=32).raw == bytes.fromhex(
        "1800000000000000010000000000000000000000"
    )
    assert registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=64).raw == winhttp_blob(
        "oldproxy.corp.example:3128", "<local>"
    )
