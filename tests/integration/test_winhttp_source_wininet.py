"""winhttp_proxy source=wininet end to end on the realistic fixture hosts, alone and in proxy_baseline."""

from __future__ import annotations

from tests.demo_fleet import winhttp_blob
from tests.winsim.regfile import REG_BINARY, Value

PROXY = "proxy.corp.example:8080"
BYPASS = ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]
CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
TASK = "WinHTTP from WinINET"
PLAY = f"""
- name: WinHTTP
  hosts: windows
  gather_facts: false
  tasks:
    - name: {TASK}
      proxyfleet.windows.winhttp_proxy:
        source: wininet
"""
PER_USER_WARNING = (
    "ProxySettingsPerUser is not 0: users may use proxies of their own, so the machine WinINET settings "
    "copied by source=wininet may not be what interactive downloads use"
)


def test_stale_netsh_host_follows_the_machine_wininet_proxy(fixture_fleet) -> None:
    host = "srv2022-stale-netsh"
    original = fixture_fleet.reg_bytes_of(host)
    original_registry = fixture_fleet.registry(host)
    # The machine WinINET proxy (per-machine mode, 64-bit DefaultConnectionSettings) is what WinHTTP must get.
    wanted = Value(REG_BINARY, winhttp_blob(PROXY, "<local>;*.corp.example"))
    assert fixture_fleet.registry(host).get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=32) == wanted

    check = fixture_fleet.playbook(PLAY, "--check", limit=host)
    assert check.rc == 0, check.stdout + check.stderr
    result = check.for_task(TASK)[host]["result"]
    assert result["changed"] is True
    assert result["drift"] == [
        {"setting": "winhttp.64.proxy", "current": "oldproxy.corp.example:3128", "desired": PROXY, "owner": "local"},
        {
            "setting": "winhttp.64.bypass",
            "current": ["<local>"],
            "desired": ["<local>", "*.corp.example"],
            "owner": "local",
        },
    ]
    assert result["after"]["64"]["proxy"] == PROXY
    assert result["host_commands"] == 1
    assert "warnings" not in result
    assert fixture_fleet.reg_bytes_of(host) == original, "check mode must not write"

    apply = fixture_fleet.playbook(PLAY, limit=host)
    assert apply.rc == 0, apply.stdout + apply.stderr
    result = apply.for_task(TASK)[host]["result"]
    assert (result["changed"], result["host_commands"]) == (True, 2)
    assert result["backup_id"]
    registry = fixture_fleet.registry(host)
    for view in (64, 32):
        # Header 0x18, second DWORD 0, flags 0x03 (DIRECT|PROXY), the WinINET proxy and bypass.
        assert registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view) == wanted
    assert wanted.raw[:12] == bytes.fromhex("180000000000000003000000")
    # WinINET itself is only read.
    for name in ("DefaultConnectionSettings", "SavedLegacySettings"):
        for view in (64, 32):
            previous = original_registry.get_value("HKLM", CONNECTIONS, name, view=view)
            assert previous is not None
            assert registry.get_value("HKLM", CONNECTIONS, name, view=view) == previous

    again = fixture_fleet.playbook(PLAY, limit=host)
    assert again.rc == 0, again.stdout + again.stderr
    result = again.for_task(TASK)[host]["result"]
    assert (result["changed"], result["drift"], result["host_commands"]) == (False, [], 1)


def test_per_user_host_keeps_winhttp_direct_and_warns(fixture_fleet) -> None:
    host = "win11-peruser"
    original = fixture_fleet.reg_bytes_of(host)
    run = fixture_fleet.playbook(PLAY, limit=host)
    assert run.rc == 0, run.stdout + run.stderr
    entry = run.for_task(TASK)[host]
    result = entry["result"]
    assert entry["status"] == "ok"
    assert (result["changed"], result["drift"], result["host_commands"]) == (False, [], 1)
    assert result["warnings"] == [PER_USER_WARNING]
    for view in ("64", "32"):
        assert result["after"][view]["access_type"] == "direct"
        assert result["after"][view]["value_present"] is False
    assert fixture_fleet.reg_bytes_of(host) == original


def test_baseline_winhttp_follows_the_wininet_proxy_written_by_the_same_task(fixture_fleet) -> None:
    host = "win11-peruser"
    task = "WinINET and WinHTTP"
    play = f"""
- name: Baseline
  hosts: windows
  gather_facts: false
  tasks:
    - name: {task}
      proxyfleet.windows.proxy_baseline:
        wininet:
          proxy: {PROXY}
          bypass: {BYPASS}
        winhttp:
          source: wininet
"""
    run = fixture_fleet.playbook(play, limit=host)
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task(task)[host]["result"]
    assert (result["changed"], result["host_commands"]) == (True, 2)
    assert list(result["surfaces"]) == ["wininet", "winhttp"]
    assert result["surfaces"]["winhttp"]["drift"] == [
        {"setting": f"winhttp.{view}.{name}", "current": current, "desired": desired, "owner": "local"}
        for view in (64, 32)
        for name, current, desired in (
            ("access_type", "direct", "named_proxy"),
            ("proxy", None, PROXY),
            ("bypass", [], BYPASS),
        )
    ]
    # WinINET becomes per machine in the same task, so the per-user warning no longer applies.
    assert "warnings" not in result
    registry = fixture_fleet.registry(host)
    for view in (64, 32):
        assert registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view) == Value(
            REG_BINARY, winhttp_blob(PROXY, ";".join(BYPASS))
        )

    again = fixture_fleet.playbook(play, limit=host)
    assert again.rc == 0, again.stdout + again.stderr
    result = again.for_task(task)[host]["result"]
    assert (result["changed"], result["drift"], result["host_commands"]) == (False, [], 1)
