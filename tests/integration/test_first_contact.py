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
