"""proxy_baseline end to end: every surface in one read and at most one write per host."""

from __future__ import annotations

from tests.demo_fleet import winhttp_blob
from tests.winsim.regfile import Value

PROXY = "proxy.corp.example:8080"
BYPASS = ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]
CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
TASK = "Corporate proxy baseline"
PLAY = f"""
- name: Baseline
  hosts: windows
  gather_facts: false
  tasks:
    - name: {TASK}
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
          bypass: {BYPASS}
        delivery_optimization:
          download_mode: lan
"""
SURFACES = ["wininet", "winhttp", "telemetry", "defender", "delivery_optimization"]


def commands_by_host(fleet, since: int = 0) -> dict[str, list[str]]:
    """Each host's commands in order: "apply" for a write, "read" for a read (registry + RSoP)."""
    found: dict[str, list[str]] = {}
    for entry in fleet.running.commands()[since:]:
        ops = [op["op"] for op in entry["operations"]]
        found.setdefault(str(entry["host"]), []).append("apply" if "apply" in ops else "read")
    return found


def test_a_host_drifting_everywhere_costs_one_read_and_one_write(fixture_fleet) -> None:
    original = fixture_fleet.reg_bytes_of("clean-host")
    check = fixture_fleet.playbook(PLAY, "--check", limit="clean-host")
    assert check.rc == 0, check.stdout + check.stderr
    result = check.for_task(TASK)["clean-host"]["result"]
    assert result["changed"] is True
    assert {item["setting"].split(".")[0] for item in result["drift"]} == set(SURFACES)
    assert list(result["surfaces"]) == SURFACES
    assert all(result["surfaces"][surface]["changed"] for surface in SURFACES)
    # Check mode predicts WinHTTP from the WinINET settings the same task would write.
    assert result["surfaces"]["winhttp"]["after"]["64"]["proxy"] == PROXY
    assert fixture_fleet.reg_bytes_of("clean-host") == original
    assert commands_by_host(fixture_fleet) == {"clean-host": ["read"]}

    seen = len(fixture_fleet.running.commands())
    apply = fixture_fleet.playbook(PLAY, limit="clean-host")
    assert apply.rc == 0, apply.stdout + apply.stderr
    result = apply.for_task(TASK)["clean-host"]["result"]
    assert result["host_commands"] == 2
    assert commands_by_host(fixture_fleet, seen) == {"clean-host": ["read", "apply"]}
    registry = fixture_fleet.registry("clean-host")
    for view in (64, 32):
        assert registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view) == Value(
            3, winhttp_blob(PROXY, ";".join(BYPASS))
        )
    assert registry.get_value(
        "HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DataCollection", "DisableEnterpriseAuthProxy"
    ) == Value.dword(1)
    assert registry.get_value("HKLM", r"SOFTWARE\Policies\Microsoft\Windows Defender", "ProxyServer") == Value.string(
        f"http://{PROXY}"
    )
    assert registry.get_value(
        "HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization", "DODownloadMode"
    ) == Value.dword(1)
    assert registry.subkey_names("HKLM", r"SOFTWARE\proxyfleet\Backups") == [result["backup_id"]]

    seen = len(fixture_fleet.running.commands())
    again = fixture_fleet.playbook(PLAY, limit="clean-host")
    result = again.for_task(TASK)["clean-host"]["result"]
    assert (result["changed"], result["drift"], result["host_commands"]) == (False, [], 1)
    assert commands_by_host(fixture_fleet, seen) == {"clean-host": ["read"]}


def test_a_compliant_host_costs_one_command_and_is_left_byte_for_byte(fixture_fleet) -> None:
    original = fixture_fleet.reg_bytes_of("srv2019-compliant")
    run = fixture_fleet.playbook(PLAY, limit="srv2019-compliant")
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task(TASK)["srv2019-compliant"]["result"]
    assert (result["changed"], result["drift"], result["host_commands"]) == (False, [], 1)
    assert commands_by_host(fixture_fleet) == {"srv2019-compliant": ["read"]}
    assert fixture_fleet.reg_bytes_of("srv2019-compliant") == original


def test_bad_sub_option_names_the_surface(fixture_fleet) -> None:
    play = """
- name: Baseline
  hosts: clean-host
  gather_facts: false
  tasks:
    - name: Bad
      proxyfleet.windows.proxy_baseline:
        telemetry:
          proxy: http://10.0.0.6:8080
        defender: {}
"""
    run = fixture_fleet.playbook(play)
    assert run.for_task("Bad")["clean-host"]["result"]["msg"] == (
        "telemetry.proxy: 'http://10.0.0.6:8080' is not a valid proxy; expected host:port (a host name, an IPv4 "
        "address or a bracketed IPv6 address such as [fd00::1], then a port 1-65535), e.g. "
        "proxy.corp.example:8080 without a scheme"
    )
    empty = fixture_fleet.playbook(play.replace("proxy: http://10.0.0.6:8080", "proxy: 10.0.0.6:8080"))
    assert empty.for_task("Bad")["clean-host"]["result"]["msg"] == (
        "defender: give at least one of proxy_server, pac_url, bypass, ssl_options when state=present"
    )
    assert fixture_fleet.running.commands() == []
