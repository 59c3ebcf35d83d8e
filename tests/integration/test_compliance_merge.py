"""compliance_merge end to end: playbooks/merge_reports.yml run twice by ansible-playbook on the controller."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.simfleet import ansible_env
from tests.unit.plugins.plugin_utils.test_report_merge import fleet

ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")


def merge(reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [ANSIBLE_PLAYBOOK, "proxyfleet.windows.merge_reports", "-e", f"proxyfleet_reports={reports}", *extra]
    return subprocess.run(command, env=ansible_env(), capture_output=True, text=True, timeout=120, check=False)


def write_slice(reports: Path, job: str, states: dict[str, str]) -> None:
    (reports / "current" / job).mkdir(parents=True)
    (reports / "current" / job / "compliance.json").write_text(json.dumps(fleet(states)), encoding="utf-8")


def test_merge_reports_playbook_writes_the_fleet_report_and_the_trend(tmp_path: Path) -> None:
    write_slice(tmp_path, "101", {"a": "drift", "c": "ok"})
    write_slice(tmp_path, "102", {"b": "ok", "d": "none"})
    first = merge(tmp_path, "-e", "proxyfleet_slices=2", "-e", "awx_job_id=201")
    assert first.returncode == 0, first.stdout + first.stderr
    files = sorted(path.name for path in (tmp_path / "latest").iterdir())
    assert files == ["compliance.csv", "compliance.html", "compliance.json", "compliance.junit.xml"]
    assert sorted(path.name for path in (tmp_path / "history" / "201").iterdir()) == files
    report = json.loads((tmp_path / "latest" / "compliance.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 4 and "trend" not in report
    assert [s["file"] for s in report["run"]["slices"]] == [
        str(tmp_path / "current" / job / "compliance.json") for job in ("101", "102")
    ]
    assert {h["name"]: h["status"] for h in report["hosts"]} == {
        "a": "drifted", "b": "compliant", "c": "compliant", "d": "not_assessed"
    }  # fmt: skip

    # The next run: a fixed, b drifted; the trend compares with the latest fleet report.
    for job in ("101", "102"):
        (tmp_path / "current" / job / "compliance.json").unlink()
    (tmp_path / "current" / "101" / "compliance.json").write_text(json.dumps(fleet({"a": "ok", "c": "ok"})))
    (tmp_path / "current" / "102" / "compliance.json").write_text(json.dumps(fleet({"b": "drift", "d": "none"})))
    second = merge(tmp_path, "-e", "proxyfleet_slices=2", "-e", "awx_job_id=202")
    assert second.returncode == 0, second.stdout + second.stderr
    report = json.loads((tmp_path / "latest" / "compliance.json").read_text(encoding="utf-8"))
    assert report["trend"]["previous"]["file"] == str(tmp_path / "latest" / "compliance.json")
    assert {h["name"]: h["trend"]["change"] for h in report["hosts"]} == {
        "a": "fixed", "b": "newly_drifted", "c": "unchanged", "d": "unchanged"
    }  # fmt: skip
    assert "a,compliant,telemetry,telemetry.proxy,true" in (tmp_path / "latest" / "compliance.csv").read_text()


def test_a_missing_slice_fails_the_merge_and_writes_nothing(tmp_path: Path) -> None:
    write_slice(tmp_path, "101", {"a": "drift"})
    write_slice(tmp_path, "102", {"b": "ok"})
    done = merge(tmp_path, "-e", "proxyfleet_slices=3")
    assert done.returncode == 2
    paths = ", ".join(str(tmp_path / "current" / job / "compliance.json") for job in ("101", "102"))
    assert f"proxyfleet.windows.compliance_merge: expected_slices is 3, but src names 2 file(s): {paths}" in done.stdout
    assert not (tmp_path / "latest").exists() and not (tmp_path / "history").exists()


def test_a_damaged_slice_is_named_with_its_field(tmp_path: Path) -> None:
    write_slice(tmp_path, "101", {"a": "drift"})
    damaged = tmp_path / "current" / "101" / "compliance.json"
    document = json.loads(damaged.read_text())
    document["hosts"][0]["status"] = "compliant"
    damaged.write_text(json.dumps(document))
    done = merge(tmp_path)
    assert done.returncode == 2
    assert (
        f"proxyfleet.windows.compliance_merge: {damaged}: hosts[0] ('a').status is 'compliant', but its other "
        "fields make it 'drifted'" in done.stdout
    )


def test_trend_on_the_html_page_cards_marker_and_filter(tmp_path: Path) -> None:
    """The page as Chromium draws it: trend cards, each host's change, and the ?change= filter."""
    from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_files import write_reports
    from tests.integration.test_compliance_report import rendered
    from tests.unit.plugins.plugin_utils.test_report_merge import trended

    [page] = write_reports(trended(), tmp_path / "report", ["html"])
    dom = rendered(Path(page), tmp_path)
    assert dom.text("trend-title") == "Since 2026-11-24T10:00:00+00:00 (6 hosts then)"
    assert dom.text("trend-cards") == (
        "2 newly drifted 1 fixed 1 still drifted 1 newly unreachable 1 new findings 0 resolved findings "
        "0 new hosts 1 removed hosts"
    )
    assert dom.text("host:e").endswith("still drifted (findings +1 -0)")
    assert dom.text("host:a").endswith("fixed")
    dom = rendered(Path(page), tmp_path, "?change=newly_drifted&sort=0&dir=asc")
    assert (dom.text("count"), dom.host_rows) == ("2 of 6 hosts", ["b", "new"])


def test_callback_with_a_missing_previous_report_writes_the_report_without_a_trend(tmp_path: Path) -> None:
    write_slice(tmp_path, "101", {"a": "drift"})
    command = [ANSIBLE_PLAYBOOK, "proxyfleet.windows.merge_reports", "-e", f"proxyfleet_reports={tmp_path}"]
    env = ansible_env(
        {
            "ANSIBLE_CALLBACKS_ENABLED": "proxyfleet.windows.compliance_report",
            "PROXYFLEET_COMPLIANCE_REPORT_DIR": str(tmp_path / "run-report"),
            "PROXYFLEET_COMPLIANCE_REPORT_PREVIOUS": str(tmp_path / "gone.json"),
        }
    )
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    message = (
        f"compliance_report: previous: {tmp_path / 'gone.json'}: no such file; the report is written without a trend"
    )
    # ansible-core 2.16 wraps warnings anywhere, inside paths too: compare without white space.
    assert "".join(message.split()) in "".join((done.stdout + done.stderr).split())
    report = json.loads((tmp_path / "run-report" / "compliance.json").read_text(encoding="utf-8"))
    assert "trend" not in report and report["totals"]["hosts"] == 1  # localhost, which the merge play targets


def test_a_merge_that_ends_in_another_second_copies_the_folder_it_wrote(tmp_path: Path) -> None:
    # The history folder is named after the time (no AWX job id); the merge task is made to take over a second (its
    # expected_slices waits 1.2 s when templated), so a name computed again by the copy task would differ.
    write_slice(tmp_path, "101", {"a": "drift"})
    slow = '{{ lookup("ansible.builtin.pipe", "sleep 1.2; echo 1") | int }}'
    done = merge(tmp_path, "-e", f"proxyfleet_slices='{slow}'")
    assert done.returncode == 0, done.stdout + done.stderr
    [history] = (tmp_path / "history").iterdir()
    assert sorted(path.name for path in (tmp_path / "latest").iterdir()) == sorted(
        path.name for path in history.iterdir()
    )
