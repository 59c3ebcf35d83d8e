"""The owner guard end to end for Group Policy: a value a GPO owns is held and reported, not fought, unless told to.

tests/integration/test_owners.py does the same for MDM, Group Policy Preferences and MDMWinsOverGP.
"""

from __future__ import annotations

import pytest

from tests.winsim.regfile import Value

HOST = "win11-gpo-telemetry"
DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
GPO_ID = "cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com"
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
    # Held, not drift: the next policy refresh would put it back.
    assert result["drift"] == []
    [held] = result["held"]
    assert (held["setting"], held["current"], held["desired"], held["held"]) == (
        "telemetry.proxy",
        "10.0.0.9:3128",
        "proxy.corp.example:8080",
        True,
    )
    assert (held["owner"], held["gpo_name"], held["gpo_id"]) == ("group_policy", "Contoso MDE proxy", GPO_ID)
    assert result["warnings"] == [
        f"telemetry.proxy is owned by Group Policy 'Contoso MDE proxy' ({GPO_ID}); "
        f"HKLM\\{DATA_COLLECTION}\\TelemetryProxyServer is left as it is: the next Group Policy refresh would revert "
        "it. To change it, edit the GPO 'Contoso MDE proxy', or name group_policy in override_owner to write it anyway"
    ]
    assert fixture_fleet.reg_bytes_of(HOST) == original


@pytest.mark.parametrize("override", ["override_gpo: true", "override_owner: [group_policy]"])
def test_override_gpo_writes_it(fixture_fleet, override: str) -> None:
    run = fixture_fleet.playbook(play("\n        " + override))
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task(TASK)[HOST]["result"]
    assert (result["changed"], result["host_commands"], result["held"]) == (True, 2, [])
    assert result["warnings"] == [
        f"telemetry.proxy is owned by Group Policy 'Contoso MDE proxy' ({GPO_ID}); "
        f"HKLM\\{DATA_COLLECTION}\\TelemetryProxyServer written because override_owner names group_policy, but the "
        "next Group Policy refresh would revert it"
    ]
    registry = fixture_fleet.registry(HOST)
    assert registry.get_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer") == Value.string(
        "proxy.corp.example:8080"
    )
