"""A sliced compliance run merged with compliance_merge equals the unsliced run, trends included.

Each run goes through ansible-runner, the engine AWX and Automation Platform run jobs with, and each slice gets
its own pared-down inventory as an AWX slice job does (host i of the inventory, in order, goes to slice i mod K;
docs/awx.md). The slices run in parallel against one simulated fleet; a merge job (a playbook on localhost, also
through ansible-runner) merges their compliance.json files. Round two changes hosts (one remediated, one moved into
a role's group, one unreachable) and checks the trend of the merged report against the unsliced run's.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import typing as t
from pathlib import Path

import ansible
import pytest
import yaml

from tests.integration.test_compliance_report import rendered, screenshot
from tests.integration.test_playbooks import GROUP_VARS, MDE_HOSTS, groups_inventory, run
from tests.simfleet import REPO_ROOT, ansible_env

ansible_runner = pytest.importorskip(
    "ansible_runner", reason="ansible-runner (tests/requirements.txt) is not installed"
)
# ansible-runner starts ansible-playbook under a pty from its worker thread; Python 3.12+ warns about forkpty there.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of forkpty:DeprecationWarning")

SLICES = 3
COMPLIANCE = str(REPO_ROOT / "playbooks" / "compliance.yml")
REPORT_FILES = ("compliance.json", "compliance.junit.xml", "compliance.csv", "compliance.html")
# Not in a role's group in round one (not assessed), moved into delivery_optimization in round two.
LATE_HOST = "win10-do-group"
REMEDIATED_HOST = "clean-host"
UNREACHABLE_HOST = "srv2019-compliant"


def _ansible_playbook() -> str:
    """The ansible-playbook of the ansible-core the tests import (beside the interpreter, or of its venv)."""
    venv_bin = Path(ansible.__file__).resolve().parents[4] / "bin"
    found = shutil.which("ansible-playbook", path=f"{Path(sys.executable).parent}:{venv_bin}")
    assert found, f"no ansible-playbook beside {sys.executable} or in {venv_bin}"
    return found


def runner_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """What ansible-runner adds to its own environment: only what differs (it writes these to its artifacts)."""
    env = ansible_env(extra)
    return {key: value for key, value in env.items() if os.environ.get(key) != value}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def slice_inventory(
    fleet: t.Any, path: Path, hosts: list[str], groups: dict[str, list[str]], down: dict[str, int]
) -> str:
    """The inventory of one slice: the fleet's connection, only ``hosts``, each in the groups it belongs to."""
    connection = yaml.safe_load(fleet.running.inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]
    windows_hosts = {}
    for name in hosts:
        host = dict(connection["hosts"][name])
        if name in down:
            host["ansible_port"] = down[name]
        windows_hosts[name] = host
    children = {
        group: {"hosts": {name: {} for name in members if name in hosts}, "vars": GROUP_VARS[group]}
        for group, members in groups.items()
    }
    inventory = {
        "all": {"children": {"windows": {"hosts": windows_hosts, "vars": connection["vars"], "children": children}}}
    }
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    return str(path)


def run_sliced(
    fleet: t.Any,
    work: Path,
    slices: int,
    groups: dict[str, list[str]],
    down: dict[str, int],
    previous: Path | None = None,
) -> list[Path]:
    """Run playbooks/compliance.yml as ``slices`` jobs in parallel; return each slice's report directory."""
    hosts = sorted(fleet.names)  # the inventory's order, as AWX lists a job's hosts
    env = runner_env({"ANSIBLE_CALLBACKS_ENABLED": "proxyfleet.windows.compliance_report", "ANSIBLE_FORKS": "10"})
    jobs = []
    for number in range(slices):
        job = work / f"slice{number + 1}of{slices}"
        (job / "runner").mkdir(parents=True)
        members = hosts[number::slices]
        inventory = slice_inventory(fleet, job / "inventory.yml", members, groups, down)
        job_env = {**env, "PROXYFLEET_COMPLIANCE_REPORT_DIR": str(job / "report")}
        if previous is not None:
            job_env["PROXYFLEET_COMPLIANCE_REPORT_PREVIOUS"] = str(previous)
        thread, runner = ansible_runner.run_async(
            private_data_dir=str(job / "runner"),
            playbook=COMPLIANCE,
            inventory=inventory,
            envvars=job_env,
            quiet=True,
            timeout=300,
        )
        jobs.append((thread, runner, job))
    for thread, runner, job in jobs:
        thread.join(timeout=320)
        # 4: the unreachable host of round two; every other host ran.
        assert runner.status == "successful" or runner.rc == 4, (job, runner.status, runner.rc, runner.stdout.read())
        assert {path.name for path in (job / "report").iterdir() if not path.name.startswith(".")} == set(REPORT_FILES)
    return [job / "report" for _thread, _runner, job in jobs]


def merge(work: Path, reports: list[Path], previous: Path | None) -> dict[str, t.Any]:
    """The merge job: compliance_merge on localhost, through ansible-runner; returns the task's result."""
    dest = work / "fleet"
    task: dict[str, t.Any] = {
        "src": [str(work / "slice*" / "report" / "compliance.json")],
        "dest": str(dest),
        "expected_slices": len(reports),
    }
    if previous is not None:
        task["previous"] = str(previous)
    play = [
        {
            "name": "Merge the slices",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [{"name": "Merge", "proxyfleet.windows.compliance_merge": task, "register": "fleet"}],
        }
    ]
    playbook = work / "merge.yml"
    playbook.write_text(yaml.safe_dump(play), encoding="utf-8")
    env = runner_env()
    (work / "merge-runner").mkdir()
    runner = ansible_runner.run(
        private_data_dir=str(work / "merge-runner"),
        playbook=str(playbook),
        envvars=env,
        quiet=True,
        timeout=300,
    )
    assert runner.status == "successful", runner.stdout.read()
    results = [event["event_data"]["res"] for event in runner.events if event.get("event") == "runner_on_ok"]
    assert len(results) == 1
    return t.cast(dict[str, t.Any], results[0])


def comparable(document: dict[str, t.Any]) -> dict[str, t.Any]:
    """A report without what differs between two runs of the same check: when, and from which files."""
    trend = dict(document.get("trend") or {})
    trend.pop("previous", None)
    return {
        "schema_version": document["schema_version"],
        "playbooks": document["run"]["playbooks"],
        "check_mode": document["run"]["check_mode"],
        "totals": document["totals"],
        "surfaces": document["surfaces"],
        "hosts": document["hosts"],
        "trend": trend,
    }


def read(report: Path) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], json.loads((report / "compliance.json").read_text(encoding="utf-8")))


def test_sliced_runs_merged_equal_the_unsliced_run_and_trend(
    fixture_fleet: t.Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ansible-runner finds ansible-playbook on its own PATH.
    monkeypatch.setenv("PATH", f"{Path(_ansible_playbook()).parent}:{os.environ.get('PATH', '')}")
    names = sorted(fixture_fleet.names)
    groups = {"delivery_optimization": [n for n in names if n != LATE_HOST], "defender_endpoint": MDE_HOSTS}

    # Round one.
    single = run_sliced(fixture_fleet, tmp_path / "r1-single", 1, groups, {})[0]
    reports = run_sliced(fixture_fleet, tmp_path / "r1-sliced", SLICES, groups, {})
    merged = merge(tmp_path / "r1-sliced", reports, None)
    # Inside ansible-playbook's worker, the slices were read by processes of their own, one per CPU (2 in CI).
    assert merged["readers"] == min(SLICES, len(os.sched_getaffinity(0)), 4)
    assert [Path(s["file"]).parent.parent.name for s in merged["slices"]] == ["slice1of3", "slice2of3", "slice3of3"]
    assert [s["hosts"] for s in merged["slices"]] == [len(names[k::SLICES]) for k in range(SLICES)]
    fleet_one = tmp_path / "r1-sliced" / "fleet"
    assert comparable(read(fleet_one)) == comparable(read(single))
    assert (fleet_one / "compliance.csv").read_bytes() == (single / "compliance.csv").read_bytes()
    statuses = {host["name"]: host["status"] for host in read(fleet_one)["hosts"]}
    assert statuses == {**dict.fromkeys(names, "drifted"), LATE_HOST: "not_assessed"}
    assert merged["totals"]["hosts"] == len(names) and merged["summary"]["not_assessed_hosts"] == [LATE_HOST]

    # Round two: one host remediated, one put into a role's group, one unreachable.
    remediate = run(fixture_fleet, "proxyfleet.windows.remediate", "-i", groups_inventory(fixture_fleet),
                    "--limit", REMEDIATED_HOST)  # fmt: skip
    assert remediate.rc == 0, remediate.stdout + remediate.stderr
    groups["delivery_optimization"] = names
    down = {UNREACHABLE_HOST: _closed_port()}
    single_two = run_sliced(
        fixture_fleet, tmp_path / "r2-single", 1, groups, down, previous=single / "compliance.json"
    )[0]
    reports = run_sliced(fixture_fleet, tmp_path / "r2-sliced", SLICES, groups, down)
    merged = merge(tmp_path / "r2-sliced", reports, fleet_one / "compliance.json")
    fleet_two = read(tmp_path / "r2-sliced" / "fleet")
    assert comparable(fleet_two) == comparable(read(single_two))
    assert (tmp_path / "r2-sliced" / "fleet" / "compliance.csv").read_bytes() == (
        single_two / "compliance.csv"
    ).read_bytes()
    changes = {host["name"]: host["trend"]["change"] for host in fleet_two["hosts"]}
    assert changes == {
        **dict.fromkeys(names, "still_drifted"),
        REMEDIATED_HOST: "fixed",
        LATE_HOST: "newly_drifted",
        UNREACHABLE_HOST: "newly_unreachable",
    }
    trend = {key: value for key, value in merged["trend"].items() if key != "previous"}
    assert trend == {
        "newly_drifted": 1,
        "fixed": 1,
        "still_drifted": len(names) - 3,
        "newly_unreachable": 1,
        "new_host": 0,
        "unchanged": 0,
        # The remediation changed no finding of the fixture hosts; the unknown host's are not compared.
        "new_findings": 0,
        "resolved_findings": 0,
        "removed_hosts": 0,
    }
    down_host = next(host for host in fleet_two["hosts"] if host["name"] == UNREACHABLE_HOST)
    assert (down_host["status"], down_host["trend"]["findings_compared"]) == ("unknown", False)
    assert merged["trend"]["previous"]["file"] == str(fleet_one / "compliance.json")
    assert merged["summary"]["trend"]["fixed_hosts"] == [REMEDIATED_HOST]
    page = tmp_path / "r2-sliced" / "fleet" / "compliance.html"
    assert '"trend":{"previous":' in page.read_text(encoding="utf-8")
    # The merged page shows the trend: its cards, and each host's change in the table.
    dom = rendered(page, tmp_path)
    assert dom.text("trend").endswith(
        f"1 newly drifted 1 fixed {len(names) - 3} still drifted 1 newly unreachable 0 new findings "
        "0 resolved findings 0 new hosts 0 removed hosts"
    )
    # The README's picture of the report (docs/images/compliance-report.png is a copy of this screenshot).
    screenshot(page, tmp_path, "fleet-trend.png")
