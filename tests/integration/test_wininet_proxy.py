"""wininet_proxy end to end on the realistic fixture hosts: check, apply, apply again, absent."""

from __future__ import annotations

import struct

from tests.winsim.regfile import REG_BINARY, REG_DWORD, Value

PROXY = "proxy.corp.example:8080"
BYPASS = ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]
SETTINGS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings"
CONNECTIONS = SETTINGS + r"\Connections"
POLICY = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
TASK = "Device-wide proxy"
PLAY = f"""
- name: WinINET
  hosts: windows
  gather_facts: false
  tasks:
    - name: {TASK}
      proxyfleet.windows.wininet_proxy:
        proxy: {PROXY}
        bypass: {BYPASS}
"""


def expected_blob(previous: bytes, proxy: str, bypass: str, flags: int) -> bytes:
    """What Windows writes on a change: same version, counter + 1, new strings, trailing bytes kept."""
    version, counter, _flags, proxy_length = struct.unpack_from("<IIII", previous)
    offset = 16 + proxy_length
    (bypass_length,) = struct.unpack_from("<I", previous, offset)
    offset += 4 + bypass_length
    (url_length,) = struct.unpack_from("<I", previous, offset)
    trailing = previous[offset + 4 + url_length :]
    return (
        struct.pack("<III", version, counter + 1, flags)
        + struct.pack("<I", len(proxy)) + proxy.encode()
        + struct.pack("<I", len(bypass)) + bypass.encode()
        + struct.pack("<I", 0)
        + trailing
    )  # fmt: skip


def test_check_apply_reapply_on_a_clean_host(fixture_fleet) -> None:
    original = fixture_fleet.registry("clean-host")
    before_bytes = (fixture_fleet.running.fleet_dir / "clean-host.reg").read_bytes()

    check = fixture_fleet.playbook(PLAY, "--check", limit="clean-host")
    assert check.rc == 0, check.stdout + check.stderr
    result = check.for_task(TASK)["clean-host"]["result"]
    assert result["changed"] is True
    assert [item["setting"] for item in result["drift"]] == [
        "wininet.per_machine",
        "wininet.64.DefaultConnectionSettings",
        "wininet.64.SavedLegacySettings",
        "wininet.64.ProxyEnable",
        "wininet.64.ProxyServer",
        "wininet.64.ProxyOverride",
        "wininet.32.DefaultConnectionSettings",
        "wininet.32.SavedLegacySettings",
    ]
    assert (fixture_fleet.running.fleet_dir / "clean-host.reg").read_bytes() == before_bytes

    apply = fixture_fleet.playbook(PLAY, limit="clean-host")
    assert apply.rc == 0, apply.stdout + apply.stderr
    assert apply.for_task(TASK)["clean-host"]["result"]["host_commands"] == 2
    registry = fixture_fleet.registry("clean-host")
    assert registry.get_value("HKLM", POLICY, "ProxySettingsPerUser") == Value.dword(0)
    for view in (64, 32):
        previous = original.get_value("HKLM", CONNECTIONS, "DefaultConnectionSettings", view=view)
        assert previous is not None
        blob = registry.get_value("HKLM", CONNECTIONS, "DefaultConnectionSettings", view=view)
        assert blob == Value(REG_BINARY, expected_blob(previous.raw, PROXY, ";".join(BYPASS), 0x03))
        saved_before = original.get_value("HKLM", CONNECTIONS, "SavedLegacySettings", view=view)
        saved = registry.get_value("HKLM", CONNECTIONS, "SavedLegacySettings", view=view)
        # A host without SavedLegacySettings gets what a fresh Windows writes: 0x46, counter 1, 32 zero bytes.
        fresh = struct.pack("<IIII", 0x46, 0, 0x01, 0) + bytes(8) + bytes(32)
        previous_saved = saved_before.raw if saved_before is not None else fresh
        assert saved == Value(REG_BINARY, expected_blob(previous_saved, PROXY, ";".join(BYPASS), 0x03))
    # The flat mirrors live in the native view only.
    assert registry.get_value("HKLM", SETTINGS, "ProxyEnable") == Value.dword(1)
    assert registry.get_value("HKLM", SETTINGS, "ProxyServer") == Value.string(PROXY)
    assert registry.get_value("HKLM", SETTINGS, "ProxyOverride") == Value.string(";".join(BYPASS))
    assert registry.get_value("HKLM", SETTINGS, "AutoConfigURL") is None
    assert registry.get_value("HKLM", SETTINGS, "ProxyServer", view=32) is None

    again = fixture_fleet.playbook(PLAY, limit="clean-host")
    result = again.for_task(TASK)["clean-host"]["result"]
    assert (result["changed"], result["drift"], result["host_commands"]) == (False, [], 1)


def test_absent_goes_direct_and_removes_the_policy(fixture_fleet) -> None:
    play = """
- name: WinINET off
  hosts: windows
  gather_facts: false
  tasks:
    - name: Direct
      proxyfleet.windows.wininet_proxy:
        state: absent
"""
    original = fixture_fleet.registry("srv2019-compliant")
    run = fixture_fleet.playbook(play, limit="srv2019-compliant")
    assert run.rc == 0, run.stdout + run.stderr
    registry = fixture_fleet.registry("srv2019-compliant")
    assert registry.get_value("HKLM", POLICY, "ProxySettingsPerUser") is None
    assert registry.key_exists("HKLM", POLICY)
    for view in (64, 32):
        previous = original.get_value("HKLM", CONNECTIONS, "DefaultConnectionSettings", view=view)
        blob = registry.get_value("HKLM", CONNECTIONS, "DefaultConnectionSettings", view=view)
        assert previous is not None and blob == Value(REG_BINARY, expected_blob(previous.raw, "", "", 0x01))
    assert registry.get_value("HKLM", SETTINGS, "ProxyServer") is None
    assert registry.get_value("HKLM", SETTINGS, "ProxyEnable") == Value(REG_DWORD, (0).to_bytes(4, "little"))
