"""The Group Policy guard end to end: a value a GPO owns is reported, not fought, unless told to."""

from __future__ import annotations

from tests.winsim.regfile import Value

HOST = "win11-gpo-telemetry"
DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
TASK = "Telemetry proxy"


def play(extra: str = "") -> str:
    return f"""
- name: MDE
  hosts: {HOST}
  gather_facts: false
  tasks:
    - name: {TASK}
      proxyfleet.windows.telemetry_proxy:
        proxy: proxy.corp.example:8080{extra}
"""


def test_a_gpo_owned_value_is_reported_and_left_alone(fixture_fleet) -> None:
    original = fixture_fleet.reg_bytes_of(HOST)
    run = fixture_fleet.playbook(play())
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task(TASK)[HOST]["result"]
    assert result["changed"] is False
    assert result["host_commands"] == 1
    [drift] = result["drift"]
    assert (drift["setting"], drift["current"], drift["desired"]) == (
        "telemetry.proxy",
        "10.0.0.9:3128",
        "proxy.corp.example:8080",
    )
    assert drift["owner"]["gpo_name"] == "Contoso MDE proxy"
    assert len(result["warnings"]) == 1
    assert result["warnings"][0].startswith(
        f"HKLM\\{DATA_COLLECTION}\\TelemetryProxyServer is set by Group Policy 'Contoso MDE proxy' ("
    )
    assert result["warnings"][0].endswith(
        "left as it is: the next policy refresh would revert it (override_gpo writes it anyway)"
    )
    assert fixture_fleet.reg_bytes_of(HOST) == original


def test_override_gpo_writes_it(fixture_fleet) -> None:
    run = fixture_fleet.playbook(play("\n        override_gpo: true"))
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task(TASK)[HOST]["result"]
    assert (result["changed"], result["host_commands"]) == (True, 2)
    assert result["warnings"][0].endswith(
        "written because override_gpo is true, but the next policy refresh reverts it"
    )
    registry = fixture_fleet.registry(HOST)
    assert registry.get_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer") == Value.string(
        "proxy.corp.example:8080"
    )
