"""playbooks/compliance.yml under ansible-runner, the engine AWX runs: the proxyfleet_compliance artifact.

AWX shows a job's artifacts from the ``artifact_data`` of ansible-runner's ``playbook_on_stats`` event
(what set_stats published with ``per_host: false``) and passes them to the next workflow nodes. The
compliance_report callback's ``artifact_query`` writes the same selection beside its report: one survey
variable gives both.
"""

from __future__ import annotations

import json
import os
import sys
import typing as t
from pathlib import Path

import pytest

from tests.integration.test_playbooks import groups_inventory
from tests.simfleet import ansible_env

ansible_runner = pytest.importorskip("ansible_runner", reason="ansible-runner is in tests/requirements.txt")

PLAYBOOK = "- name: Shipped playbook\n  ansible.builtin.import_playbook: proxyfleet.windows.compliance\n"
HIGH_DRIFT_QUERY = "hosts[?status=='drifted' && length(findings[?severity=='high']) > `0`].name"


def run_compliance(
    fleet: t.Any, extravars: dict[str, t.Any], report: Path | None = None
) -> tuple[t.Any, dict[str, t.Any]]:
    """Run the compliance playbook through ansible_runner.run; return the runner and its artifacts.

    With ``report``, the compliance_report callback is enabled and writes there.
    """
    callback = {}
    if report is not None:
        callback = {
            "ANSIBLE_CALLBACKS_ENABLED": "proxyfleet.windows.compliance_report",
            "PROXYFLEET_COMPLIANCE_REPORT_DIR": str(report),
            "PROXYFLEET_COMPLIANCE_REPORT_FORMATS": "json",
        }
    private = fleet.work / "runner"
    (private / "project").mkdir(parents=True, exist_ok=True)
    (private / "project" / "compliance.yml").write_text(PLAYBOOK, encoding="utf-8")
    runner = ansible_runner.run(
        private_data_dir=str(private),
        playbook="compliance.yml",
        inventory=[str(fleet.running.inventory), groups_inventory(fleet)],
        extravars=extravars,
        # ansible-runner starts the ansible-playbook it finds on PATH: the one of this Python.
        envvars=ansible_env(
            {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", **callback}
        ),
        quiet=True,
    )
    [stats] = [event for event in runner.events if event["event"] == "playbook_on_stats"]
    return runner, stats["event_data"]["artifact_data"]


def test_the_compliance_job_publishes_proxyfleet_compliance(fixture_fleet) -> None:
    # proxyfleet_compliance_query: the older name of proxyfleet_compliance_report_artifact_query, still published.
    runner, artifacts = run_compliance(fixture_fleet, {"proxyfleet_compliance_query": HIGH_DRIFT_QUERY})
    assert (runner.status, runner.rc) == ("successful", 0), runner.stdout.read()
    assert sorted(artifacts) == ["proxyfleet_compliance", "proxyfleet_compliance_selection"]
    summary = artifacts["proxyfleet_compliance"]
    # The group vars ask for group download mode, which no fixture host has: every host drifts.
    names = sorted(fixture_fleet.names)
    assert {key: summary[key] for key in ("hosts", "compliant", "drifted", "unknown")} == {
        "hosts": len(names),
        "compliant": 0,
        "drifted": len(names),
        "unknown": 0,
    }
    assert sorted(summary["drifted_hosts"]) == names
    assert summary["unknown_hosts"] == []
    assert summary["surfaces"]["delivery_optimization"] == {"hosts": len(names), "compliant": 0, "drifted": len(names)}
    # Every host drifted, so the selection is the hosts with a high finding in their proxy_facts result.
    facts = [
        event["event_data"]
        for event in runner.events
        if event["event"] == "runner_on_ok"
        and event["event_data"]["task"] == "Read every proxy surface, the effective proxies and findings"
    ]
    high = sorted(entry["host"] for entry in facts if any(f["severity"] == "high" for f in entry["res"]["findings"]))
    assert len(facts) == len(names) and high
    assert sorted(artifacts["proxyfleet_compliance_selection"]) == high


def test_fail_on_drift_fails_the_job_and_still_publishes(fixture_fleet) -> None:
    runner, artifacts = run_compliance(fixture_fleet, {"proxyfleet_compliance_fail_on_drift": True})
    assert (runner.status, runner.rc) == ("failed", 2)
    assert artifacts["proxyfleet_compliance"]["drifted"] == len(fixture_fleet.names)
    [failed] = [event for event in runner.events if event["event"] == "runner_on_failed"]
    assert failed["event_data"]["task"] == "Fail the job when a host drifted, is unknown or was not assessed"
    assert failed["event_data"]["res"]["msg"].startswith(
        f"Proxy compliance: {len(fixture_fleet.names)} host(s) drifted, 0 unknown, 0 not assessed"
        " (proxyfleet_compliance_fail_on_drift is true). Drifted: "
    )


def test_one_variable_gives_the_artifact_and_the_callbacks_selection(fixture_fleet) -> None:
    report = fixture_fleet.work / "artifact-report"
    extravars = {"proxyfleet_compliance_report_artifact_query": HIGH_DRIFT_QUERY}
    runner, artifacts = run_compliance(fixture_fleet, extravars, report)
    assert (runner.status, runner.rc) == ("successful", 0), runner.stdout.read()
    assert sorted(artifacts) == ["proxyfleet_compliance", "proxyfleet_compliance_selection"]
    selection = artifacts["proxyfleet_compliance_selection"]
    # The drifted hosts with a high finding: some hosts of the fleet, not all and not none.
    assert selection and set(selection) < set(fixture_fleet.names)
    written = json.loads((report / "compliance.artifact.json").read_text(encoding="utf-8"))
    # The callback's selection, from its own report document, is the job artifact's, in the same order.
    assert written == {"query": HIGH_DRIFT_QUERY, "selection": selection}
    document = json.loads((report / "compliance.json").read_text(encoding="utf-8"))
    assert document["artifact"] == written
    assert oct((report / "compliance.artifact.json").stat().st_mode & 0o777) == "0o600"


def test_an_invalid_query_is_named_and_nothing_is_selected(fixture_fleet) -> None:
    report = fixture_fleet.work / "bad-query-report"
    runner, artifacts = run_compliance(
        fixture_fleet, {"proxyfleet_compliance_report_artifact_query": "hosts[?"}, report
    )
    # Compared without white space: ansible-core 2.16 wraps long error lines.
    output = "".join(runner.stdout.read().split())
    # The callback says so when the play starts; the publishing task fails, so the job fails.
    said = "compliance_report: artifact_query is not a valid JMESPath expression (Invalid jmespath expression at"
    assert "".join(f"{said} character 7): 'hosts[?'; no selection will be written".split()) in output
    assert (runner.status, runner.rc) == ("failed", 2)
    [failed] = [event for event in runner.events if event["event"] == "runner_on_failed"]
    assert failed["event_data"]["task"] == "Publish the selection proxyfleet_compliance_report_artifact_query asks for"
    assert "compliance_summary: query is not a valid JMESPath expression (" in failed["event_data"]["res"]["msg"]
    assert sorted(artifacts) == ["proxyfleet_compliance"]
    assert not (report / "compliance.artifact.json").exists()
    assert "artifact" not in json.loads((report / "compliance.json").read_text(encoding="utf-8"))
