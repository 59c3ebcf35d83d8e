"""Owners end to end over WinRM: the owner hosts (tests/fixtures/owner-hosts) with ansible-playbook and the report.

Each host's value is set by Intune (MDM: the Policy CSP, or the Network Proxy CSP's device-wide WinINET proxy), a
Group Policy Preferences item, Set-MpPreference or a GPO beside MDM (with and without MDMWinsOverGP). A task that
asks for another value must hold it - in check mode and for real - naming the owner, cost one WinRM command, leave
the registry as it is, and show as held with its owner in every report file; override_owner writes it.
tests/unit/test_owner_hosts.py checks the same in-process, in more detail.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import textwrap
import typing as t
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from tests.fixtures import make_hosts
from tests.integration.conftest import HERE, Fleet
from tests.simfleet import REPO_ROOT, RunningFleet, ansible_env
from tests.unit.test_owner_hosts import CASES

ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
SCHEMA = REPO_ROOT / "docs" / "schemas" / "compliance-report-4.schema.json"


@pytest.fixture
def owner_fleet(tmp_path: Path) -> Iterator[Fleet]:
    """The owner hosts behind the simulator, over Basic/HTTPS."""
    fleet_dir = tmp_path / "fleet"
    fleet_dir.mkdir()
    for name in make_hosts.OWNER_HOSTS:
        for suffix in (".reg", ".json"):
            shutil.copyfile(make_hosts.OWNER_HOSTS_DIR / f"{name}{suffix}", fleet_dir / f"{name}{suffix}")
    with RunningFleet(fleet_dir, tmp_path) as running:
        yield Fleet(running, tmp_path, list(make_hosts.OWNER_HOSTS))


def play_of_cases(extra: dict[str, t.Any] | None = None) -> str:
    """One play per held case: its module with the args that want another value than the owner's."""
    plays = []
    for name, case in CASES.items():
        args = {**case.args, **({"override_owner": [case.override]} if extra else {})}
        plays.append(
            {
                "name": name,
                "hosts": name,
                "gather_facts": False,
                "tasks": [{"name": "Owned value", f"proxyfleet.windows.{case.module}": args, "register": "owned"}],
            }
        )
    return json.dumps(plays)


def run(fleet: Fleet, body: str, *args: str) -> tuple[subprocess.CompletedProcess[str], list[dict[str, t.Any]]]:
    """ansible-playbook with record_results and the compliance_report callback; the recorded results."""
    playbook = fleet.work / "owners.yml"
    playbook.write_text(textwrap.dedent(body), encoding="utf-8")
    record = fleet.work / "results.jsonl"
    record.unlink(missing_ok=True)
    shutil.rmtree(fleet.work / "report", ignore_errors=True)
    command = [ANSIBLE_PLAYBOOK, "-i", str(fleet.running.inventory), str(playbook), *args]
    variables = {
        "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "record_results,proxyfleet.windows.compliance_report",
        "RECORD_RESULTS_FILE": str(record),
        "PROXYFLEET_COMPLIANCE_REPORT_DIR": str(fleet.work / "report"),
        "ANSIBLE_FORKS": "10",
    }
    done = subprocess.run(command, env=ansible_env(variables), capture_output=True, text=True, timeout=300, check=False)
    results = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return done, results


def by_host(results: list[dict[str, t.Any]], task: str) -> dict[str, dict[str, t.Any]]:
    return {entry["host"]: entry["result"] for entry in results if entry["task"] == task}


def test_owned_values_are_held_in_check_mode_in_one_command_and_reported_held(owner_fleet: Fleet) -> None:
    original = owner_fleet.reg_bytes()
    done, results = run(owner_fleet, play_of_cases(), "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    found = by_host(results, "Owned value")
    assert sorted(found) == sorted(CASES)
    for name, case in CASES.items():
        result = found[name]
        assert (result["changed"], result["drift"], result["held"]) == (False, [], case.held), name
        assert result["warnings"] == case.warnings, name
        assert result["host_commands"] == 1, name
    assert owner_fleet.reg_bytes() == original

    report = owner_fleet.work / "report"
    document = json.loads((report / "compliance.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    held = {
        host["name"]: [(row["setting"], row["owner"]["owner"]) for row in host["settings"] if row["held"]]
        for host in document["hosts"]
    }
    # The report lists a host's settings by name.
    assert held == {
        name: sorted((item["setting"], item["owner"]) for item in case.held) for name, case in CASES.items()
    }
    # Held is never green: every such host is drifted, never compliant.
    assert {host["name"]: host["status"] for host in document["hosts"]} == dict.fromkeys(CASES, "drifted")
    assert document["totals"]["settings_held"] == sum(len(case.held) for case in CASES.values())
    with (report / "compliance.csv").open(encoding="utf-8", newline="") as stream:
        rows = [row for row in csv.DictReader(stream) if row["held"] == "true"]
    assert sorted((row["host"], row["setting"], row["owner"]) for row in rows) == sorted(
        (name, item["setting"], item["owner"]) for name, case in CASES.items() for item in case.held
    )
    junit = ElementTree.parse(report / "compliance.junit.xml").getroot()
    messages = [failure.get("message", "") for failure in junit.iter("failure")]
    assert len(messages) == len(rows) and all(message.startswith("held: ") for message in messages)
    assert any("left as it is because MDM policy ./Device/Vendor/MSFT/Policy/Config/" in m for m in messages)
    csp = (
        "left as it is because MDM (Network Proxy CSP ./Vendor/MSFT/NetworkProxy (AutoDetect, ProxyServer/ProxyAddress"
    )
    assert sum(csp in message for message in messages) == len(CASES["owner-mdm-network-proxy"].held)
    page = (report / "compliance.html").read_text(encoding="utf-8")
    data = json.loads(page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0])
    assert sorted(row[6] for row in data["rows"] if row[4] == 0) == [1] * len(rows)


def test_the_guard_writes_nothing_and_override_owner_writes_it(owner_fleet: Fleet) -> None:
    original = owner_fleet.reg_bytes()
    done, results = run(owner_fleet, play_of_cases())
    assert done.returncode == 0, done.stdout + done.stderr
    for name, result in by_host(results, "Owned value").items():
        assert (result["changed"], result["host_commands"], result["warnings"]) == (False, 1, CASES[name].warnings)
    assert owner_fleet.reg_bytes() == original
    done, results = run(owner_fleet, play_of_cases({"override": True}))
    assert done.returncode == 0, done.stdout + done.stderr
    for name, result in by_host(results, "Owned value").items():
        assert (result["changed"], result["held"], result["host_commands"]) == (True, [], 2), name
        assert f"written because override_owner names {CASES[name].override}" in result["warnings"][0]
    assert all(owner_fleet.reg_bytes()[name] != original[name] for name in CASES)


def test_facts_report_owners_and_the_defender_av_proxy_set_with_set_mppreference(owner_fleet: Fleet) -> None:
    body = """
    - name: Facts
      hosts: all
      gather_facts: false
      tasks:
        - name: Proxy facts
          proxyfleet.windows.proxy_facts:
    """
    done, results = run(owner_fleet, body)
    assert done.returncode == 0, done.stdout + done.stderr
    facts = {host: result["ansible_facts"]["windows_proxy"] for host, result in by_host(results, "Proxy facts").items()}
    assert {host: result["host_commands"] for host, result in by_host(results, "Proxy facts").items()} == dict.fromkeys(
        make_hosts.OWNER_HOSTS, 1
    )
    av = facts["owner-av-preference"]["effective"]["defender_av"]
    assert (av["proxy"], av["store"], av["owner"]) == ("http://10.0.0.8:3128", "preference", "preference")
    assert facts["owner-mdm-do"]["owners"]["delivery_optimization.download_mode"]["owner"] == "mdm"
    assert facts["owner-gpp-winhttp"]["owners"]["winhttp.64"]["owner"] == "group_policy_preferences"
    assert [
        facts[name]["delivery_optimization"]["download_mode"] for name in ("owner-gp-and-mdm", "owner-mdm-wins")
    ] == [
        "lan",
        "group",
    ]
    # User-side policy: the signed-in users' proxies, set by user Group Policy and by a preference item.
    users = {user["account"]: user["owner"] for user in facts["owner-user-policy"]["users"]}
    assert users == {"CONTOSO\\alice": "group_policy", "CONTOSO\\bob": "group_policy_preferences"}
    # User-side Preferences from each signed-in user's RSoP (per-user wmi_query, same command): the item's GPO.
    gpp_users = {user["sid"]: user["owner"] for user in facts["owner-user-gpp"]["users"]}
    assert gpp_users == dict.fromkeys((make_hosts.CAROL_SID, make_hosts.DAVE_SID), "group_policy_preferences")
    assert [facts["owner-user-gpp"]["owners"][f"wininet.user:{sid}"]["gpo_name"] for sid in sorted(gpp_users)] == [
        "Contoso User Proxy Preferences",
        "Contoso User Proxy Registry",
    ]
    # The Network Proxy CSP: the device-wide WinINET proxy Intune set, owned by MDM with the node cache's nodes.
    network_proxy = facts["owner-mdm-network-proxy"]
    assert network_proxy["wininet"]["machine"]["64"]["proxy"] == make_hosts.MDM_NETWORK_PROXY
    assert {setting: owner["owner"] for setting, owner in network_proxy["owners"].items() if "nodes" in owner} == {
        "wininet.per_machine": "mdm",
        "wininet.machine.64": "mdm",
        "wininet.machine.32": "mdm",
    }
    document = json.loads((owner_fleet.work / "report" / "compliance.json").read_text(encoding="utf-8"))
    owners = {host["name"]: {o["setting"]: o["owner"] for o in host["owners"]} for host in document["hosts"]}
    assert owners["owner-av-preference"] == {"defender.proxy_server": "preference", "defender.bypass": "preference"}
    assert owners["owner-mdm-wins"] == {"delivery_optimization.download_mode": "mdm"}
    assert owners["owner-mdm-network-proxy"] == {
        "wininet.per_machine": "mdm",
        "wininet.machine.64": "mdm",
        "wininet.machine.32": "mdm",
    }
