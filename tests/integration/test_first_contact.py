"""What a first real host can do to the agent, end to end over WinRM (issue 18): a language mode that
refuses the agent, a byte-order mark before the answer, and what a check ships."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo_fleet import DEMO_HOSTS, write_fleet
from tests.integration.conftest import Fleet
from tests.simfleet import RunningFleet

# ws-001: compliant, but PowerShell is constrained there; ws-002: answers with a BOM; ws-003: plain.
FACTS = {"ws-001": {"language_mode": "ConstrainedLanguage"}, "ws-002": {"stdout_bom": True}}

PLAY = """
- name: First contact
  hosts: windows
  gather_facts: false
  tasks:
    - name: Proxy facts
      proxyfleet.windows.proxy_facts:
"""


@pytest.fixture
def first_contact_fleet(tmp_path: Path) -> Iterator[Fleet]:
    hosts = DEMO_HOSTS[:3]
    fleet_dir = tmp_path / "fleet"
    write_fleet(fleet_dir, hosts)
    for name, facts in FACTS.items():
        (fleet_dir / f"{name}.json").write_text(json.dumps(facts), encoding="utf-8")
    with RunningFleet(fleet_dir, tmp_path) as running:
        yield Fleet(running, tmp_path, [host.name for host in hosts])


def test_language_mode_fails_clearly_and_a_bom_is_accepted(first_contact_fleet: Fleet) -> None:
    run = first_contact_fleet.playbook(PLAY)
    results = run.for_task("Proxy facts")
    constrained = results["ws-001"]
    assert constrained["status"] == "failed"
    assert constrained["result"]["msg"] == (
        "PowerShell on this host runs in ConstrainedLanguage mode, in which the proxyfleet.windows host agent "
        "cannot run (it needs .NET registry and WMI types that Constrained Language Mode refuses); an AppLocker "
        "or Windows App Control (WDAC) policy usually enforces it. Nothing was read or written. Way out: let the "
        "account Ansible connects with run PowerShell in FullLanguage mode on this host (a policy exception for "
        "it), see docs/compatibility.md, 'Constrained Language Mode'"
    )
    assert constrained["result"]["host_commands"] == 1
    # The BOM host answers exactly like the plain one.
    bom, plain = results["ws-002"], results["ws-003"]
    assert bom["status"] == plain["status"] == "ok", (bom, plain)
    assert bom["result"]["host_commands"] == plain["result"]["host_commands"] == 1
    assert bom["result"]["agent_bytes"] == plain["result"]["agent_bytes"] > 0


def test_a_proxy_baseline_check_ships_under_25_kb_of_agent(fixture_fleet: Fleet) -> None:
    from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol
    from tests.integration.test_proxy_baseline import PLAY, TASK

    check = fixture_fleet.playbook(PLAY, "--check", limit="clean-host")
    assert check.rc == 0, check.stdout + check.stderr
    checked = check.for_task(TASK)["clean-host"]["result"]
    read_only = len(protocol.agent_script(with_apply=False).encode()) + len(protocol.agent_part("wmi").encode())
    assert checked["host_commands"] == 1
    assert checked["agent_bytes"] == read_only < 25_000
    # A change adds one write command, which carries the core with its apply region and no part.
    change = fixture_fleet.playbook(PLAY, limit="clean-host")
    changed = change.for_task(TASK)["clean-host"]["result"]
    assert changed["host_commands"] == 2
    assert changed["agent_bytes"] == read_only + len(protocol.agent_script().encode())
    print(f"proxy_baseline agent_bytes: check {checked['agent_bytes']}, change {changed['agent_bytes']}")


def test_configmgr_site_with_two_providers_commits_despite_read_back_and_release_errors(tmp_path: Path) -> None:
    from tests import configmgr_hosts as cm
    from tests.integration.test_configmgr import SITE_ARGS, TASK, play

    fleet_dir = tmp_path / "fleet"
    names = cm.write_hosts(fleet_dir)
    facts_path = fleet_dir / "cm02.json"
    facts = json.loads(facts_path.read_text("utf-8"))
    facts["sms"]["providers"] = [
        {"site_code": "PS2", "machine": "cm02.contoso.com", "local": True},
        {"site_code": "PS2", "machine": "smsprov2.contoso.com", "local": True},
    ]
    facts["sms"]["faults"] = {"readback": "Generic failure ", "release": "Access denied "}
    facts_path.write_text(json.dumps(facts), encoding="utf-8")
    with RunningFleet(fleet_dir, tmp_path) as running:
        fleet = Fleet(running, tmp_path, names)
        run = fleet.playbook(play("configmgr_proxy", SITE_ARGS), limit="cm02")
        [entry] = run.for_task(TASK).values()
    result = entry["result"]
    assert entry["status"] == "changed", result
    assert result["site_code"] == "PS2" and result["committed"] is True
    assert result["warnings"] == [
        "the change was committed, but reading it back failed: Generic failure ",
        "the change was committed, but releasing the site control session failed: Access denied ",
    ]
    written = json.loads(facts_path.read_text("utf-8"))["sms"]["instances"][0]["props"]
    assert {"name": "ProxyName", "value": 0, "value1": "", "value2": "proxy.contoso.com"} in written


SERVICES_PLAY = """
- name: Services
  hosts: windows
  gather_facts: false
  tasks:
    - name: Restart
      proxyfleet.windows.restart_service:
        name: [WinHttpAutoProxySvc, DoSvc]
"""


def test_restart_service_leaves_dependents_as_found_and_reports_a_timeout(tmp_path: Path) -> None:
    hosts = DEMO_HOSTS[:1]
    fleet_dir = tmp_path / "fleet"
    write_fleet(fleet_dir, hosts)
    services = {
        "WinHttpAutoProxySvc": {"status": "Running", "dependents": ["iphlpsvc"]},
        "iphlpsvc": {"status": "Running"},
        "DoSvc": {"status": "Running", "hangs": "stop"},
    }
    (fleet_dir / "ws-001.json").write_text(json.dumps({"services": services}), encoding="utf-8")
    with RunningFleet(fleet_dir, tmp_path) as running:
        fleet = Fleet(running, tmp_path, ["ws-001"])
        run = fleet.playbook(SERVICES_PLAY)
        # Check mode only queries: the states the restart left.
        query = fleet.playbook(SERVICES_PLAY.replace("[WinHttpAutoProxySvc, DoSvc]", "[iphlpsvc, DoSvc]"), "--check")
    entry = run.for_task("Restart")["ws-001"]
    result = entry["result"]
    assert entry["status"] == "failed" and result["changed"] is True
    assert result["msg"] == (
        "could not restart DoSvc: service 'DoSvc' did not reach Stopped within 60 s; it is left StopPending"
    )
    assert result["services"][0] == {
        "name": "WinHttpAutoProxySvc", "before": "Running", "after": "Running", "restarted": True,
    }  # fmt: skip
    left = query.for_task("Restart")["ws-001"]["result"]["services"]
    assert [(item["name"], item["before"]) for item in left] == [("iphlpsvc", "Running"), ("DoSvc", "StopPending")]
