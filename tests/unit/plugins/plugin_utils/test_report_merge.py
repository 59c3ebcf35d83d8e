"""Merging sliced reports, reading untrusted report files, and trends."""

from __future__ import annotations

import copy
import json
import typing as t
from pathlib import Path

import jsonschema
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.proxyfleet.windows.plugins.filter.compliance_summary import compliance_summary
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _report_merge
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_files import write_reports
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_formats import console_summary, to_csv
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_html import page_data
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_load import ReportFileError, read_report
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_merge import (
    MergeError,
    expand_slices,
    merge_reports,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import ComplianceReport
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_trend import add_trend, trend_summary

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[4] / "docs" / "schemas" / "compliance-report-4.schema.json").read_text()
)
RUN = {
    "generated_at": "2026-12-01T10:00:00+00:00",
    "ansible_version": "2.21.5",
    "playbooks": ["c.yml"],
    "check_mode": True,
}
FINDING = {
    "id": "MDE003",
    "severity": "high",
    "surface": "telemetry",
    "message": "m",
    "remediation": "r",
    "source": "s",
}


def telemetry(proxy: str, *, findings: list[dict[str, t.Any]] | None = None) -> dict[str, t.Any]:
    """A telemetry_proxy result: compliant when proxy is proxy.corp.example:8080."""
    desired = "proxy.corp.example:8080"
    drift = [] if proxy == desired else [{"setting": "telemetry.proxy", "current": proxy, "desired": desired}]
    return {
        "changed": bool(drift),
        "before": {"proxy": proxy},
        "after": {"proxy": desired},
        "drift": drift,
        "host_commands": 1,
        **({"findings": findings} if findings is not None else {}),
    }


def fleet(states: dict[str, str], run: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    """A report: state 'ok', 'drift', 'drift+finding', 'down' (unreachable) or 'none' (not assessed) per host."""
    report = ComplianceReport()
    for host, state in states.items():
        report.expect(host, "p")
        if state == "down":
            report.add_failure(host, "proxyfleet.windows.telemetry_proxy", "timed out", unreachable=True)
        elif state != "none":
            proxy = "proxy.corp.example:8080" if state == "ok" else "10.0.0.9:3128"
            found = [FINDING] if state.endswith("+finding") else []
            report.add_result(host, "proxyfleet.windows.telemetry_proxy", telemetry(proxy, findings=found))
    return report.document(dict(RUN if run is None else run))


def write(path: Path, document: dict[str, t.Any]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


STATES = {"a": "ok", "b": "drift", "c": "down", "d": "none", "e": "drift+finding", "f": "ok"}


def slices_of(tmp_path: Path, states: dict[str, str], count: int) -> list[str]:
    """The hosts dealt over ``count`` slices as AWX deals them (host i to slice i mod count)."""
    names = list(states)
    return [
        write(tmp_path / f"slice{k}" / "compliance.json", fleet({n: states[n] for n in names[k::count]}))
        for k in range(count)
    ]


def without_run(document: dict[str, t.Any]) -> dict[str, t.Any]:
    return {key: value for key, value in document.items() if key != "run"}


@pytest.mark.parametrize("count", [1, 2, 3, 6])
def test_merged_slices_equal_the_unsliced_report(tmp_path: Path, count: int) -> None:
    merged = merge_reports(slices_of(tmp_path, STATES, count))
    jsonschema.validate(merged, SCHEMA)
    assert without_run(merged) == without_run(fleet(STATES))
    assert merged["totals"]["hosts"] == 6
    assert [s["hosts"] for s in merged["run"]["slices"]] == [len(list(STATES)[k::count]) for k in range(count)]
    assert merged["run"]["playbooks"] == ["c.yml"] and merged["run"]["check_mode"] is True


def test_glob_expands_sorted_and_names_each_file_once(tmp_path: Path) -> None:
    paths = slices_of(tmp_path, STATES, 3)
    assert expand_slices([str(tmp_path / "slice*" / "compliance.json"), paths[0]]) == paths


def test_glob_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MergeError) as error:
        expand_slices([str(tmp_path / "none*" / "compliance.json")])
    assert str(error.value) == (
        f"src: the pattern '{tmp_path}/none*/compliance.json' matches no file (a slice that wrote no report?)"
    )


def test_host_in_two_slices_fails_naming_both_files(tmp_path: Path) -> None:
    first = write(tmp_path / "1.json", fleet({"a": "ok"}))
    second = write(tmp_path / "2.json", fleet({"a": "drift"}))
    with pytest.raises(MergeError) as error:
        merge_reports([first, second])
    assert str(error.value) == (
        f"{second}: host 'a' is also in {first}; slices of one run hold each host once "
        "(set duplicates: newest to keep the copy of the slice written last)"
    )


def test_duplicates_newest_keeps_the_slice_written_last(tmp_path: Path) -> None:
    late = write(
        tmp_path / "late.json", fleet({"a": "drift", "b": "ok"}, {**RUN, "generated_at": "2026-12-02T00:00:00+00:00"})
    )
    early = write(tmp_path / "early.json", fleet({"a": "ok"}))
    merged = merge_reports([late, early], duplicates="newest")
    assert [(h["name"], h["status"]) for h in merged["hosts"]] == [("a", "drifted"), ("b", "compliant")]
    assert [(s["file"], s["hosts"], s["hosts_kept"]) for s in merged["run"]["slices"]] == [(late, 2, 2), (early, 1, 0)]


def test_missing_slice_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MergeError) as error:
        merge_reports([str(tmp_path / "gone.json")])
    assert str(error.value) == f"{tmp_path}/gone.json: no such file"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d.update(schema="x"),
            "not a proxyfleet.windows compliance report (field 'schema' is not 'proxyfleet.windows/compliance-report')",
        ),
        (
            lambda d: d.update(schema_version=5),
            "field 'schema_version' is 5; this collection reads versions 1 to 4 "
            "(a newer version was written by a newer proxyfleet.windows: update the collection that reads it)",
        ),
        (lambda d: d.update(hosts={}), "field 'hosts' must be a list"),
        (
            lambda d: d["hosts"][1].update(status="compliant"),
            "hosts[1] ('b').status is 'compliant', but its other fields make it 'drifted'",
        ),
        (
            lambda d: d["hosts"][0]["settings"][0].update(compliant="yes"),
            "hosts[0] ('a').settings[0].compliant must be true or false",
        ),
        (lambda d: d["hosts"][0].pop("findings"), "hosts[0] lacks the field(s) findings"),
        (lambda d: d["hosts"][0].update(name=""), "hosts[0].name must be a host name of 1 to 1024 characters"),
        (lambda d: d["hosts"].append(copy.deepcopy(d["hosts"][0])), "hosts[6].name 'a' is listed twice"),
        (
            lambda d: d["hosts"][4]["findings"][0].update(severity="fatal"),
            "hosts[4] ('e').findings[0].severity must be one of high, medium, low",
        ),
    ],
)
def test_damaged_slice_fails_naming_file_and_field(tmp_path: Path, mutate: t.Any, message: str) -> None:
    document = fleet(STATES)
    mutate(document)
    path = write(tmp_path / "s.json", document)
    with pytest.raises(ReportFileError) as error:
        read_report(path)
    assert str(error.value) == f"{path}: {message}"


def test_slice_that_is_not_json_or_too_large(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b"\xff{")
    with pytest.raises(ReportFileError, match=r"s\.json: not JSON: "):
        read_report(path)
    write(path, fleet(STATES))
    with pytest.raises(ReportFileError) as error:
        read_report(path, max_bytes=100)
    assert str(error.value) == f"{path}: {path.stat().st_size} bytes, more than the 100 a compliance report may have"


def test_version_1_slice_is_upgraded(tmp_path: Path) -> None:
    """Version 1 called a host nothing was checked on unknown (or compliant with findings only)."""
    old = fleet({"a": "ok", "d": "none"})
    old["schema_version"] = 1
    for host in old["hosts"]:
        host.pop("not_assessed_reason")
    old["hosts"][1]["status"] = "unknown"
    merged = merge_reports([write(tmp_path / "v1.json", old), *slices_of(tmp_path, {"b": "drift"}, 1)])
    jsonschema.validate(merged, SCHEMA)
    assert [(h["name"], h["status"], h["not_assessed_reason"]) for h in merged["hosts"]] == [
        ("a", "compliant", ""),
        ("b", "drifted", ""),
        ("d", "not_assessed", "no setting was checked (reported as 'unknown' by a schema version 1 report)"),
    ]
    assert [s["schema_version"] for s in merged["run"]["slices"]] == [1, 4]


PREVIOUS = {"a": "drift", "b": "ok", "c": "ok", "e": "drift", "f": "ok", "gone": "ok"}
NOW = {"a": "ok", "b": "drift", "c": "down", "e": "drift+finding", "f": "ok", "new": "drift"}


def trended() -> dict[str, t.Any]:
    document = fleet(NOW)
    previous = fleet(PREVIOUS, {**RUN, "generated_at": "2026-11-24T10:00:00+00:00"})
    add_trend(document, previous, "last/compliance.json")
    jsonschema.validate(document, SCHEMA)
    return document


def test_trend_per_host_and_fleet() -> None:
    document = trended()
    assert {h["name"]: (h["trend"]["change"], h["trend"]["previous_status"]) for h in document["hosts"]} == {
        "a": ("fixed", "drifted"),
        "b": ("newly_drifted", "compliant"),
        "c": ("newly_unreachable", "compliant"),
        "e": ("still_drifted", "drifted"),
        "f": ("unchanged", "compliant"),
        "new": ("newly_drifted", None),
    }
    e = next(h for h in document["hosts"] if h["name"] == "e")
    assert e["trend"]["new_findings"] == [{"id": "MDE003", "surface": "telemetry"}]
    assert document["trend"] == {
        "previous": {
            "file": "last/compliance.json",
            "generated_at": "2026-11-24T10:00:00+00:00",
            "schema_version": 4,
            "hosts": 6,
        },
        "newly_drifted": 2,
        "fixed": 1,
        "still_drifted": 1,
        "newly_unreachable": 1,
        "new_host": 0,
        "unchanged": 1,
        "new_findings": 1,
        "resolved_findings": 0,
        "removed_hosts": 1,
    }
    assert trend_summary(document, 1)["newly_drifted_hosts"] == ["b"]


def test_findings_of_an_unknown_host_are_not_resolved() -> None:
    """A host that could not be read now has not fixed what it had: nothing is counted resolved."""
    document = fleet({"e": "down"})
    add_trend(document, fleet({"e": "drift+finding"}), "p")
    assert document["hosts"][0]["trend"] == {
        "change": "newly_unreachable",
        "previous_status": "drifted",
        "findings_compared": False,
        "new_findings": [],
        "resolved_findings": [],
    }
    document = fleet({"e": "drift"})
    add_trend(document, fleet({"e": "drift+finding"}), "p")
    assert document["hosts"][0]["trend"]["resolved_findings"] == [{"id": "MDE003", "surface": "telemetry"}]
    assert document["trend"]["resolved_findings"] == 1


def test_trend_in_csv_html_and_summary(tmp_path: Path) -> None:
    document = trended()
    lines = to_csv(document).splitlines()
    assert lines[0].endswith(",action,trend")
    assert (
        lines[1]
        == "a,compliant,telemetry,telemetry.proxy,true,proxy.corp.example:8080,proxy.corp.example:8080,,,,false,"
        "proxyfleet.windows.telemetry_proxy,fixed"
    )
    assert lines[3] == "c,unknown,,,,,,,,,,,newly_unreachable"
    data = page_data(document)
    assert data["trend"] == document["trend"]
    assert [(h[0], h[6], h[7], h[8]) for h in data["hosts"]] == [
        ("a", 1, 0, 0),
        ("b", 0, 0, 0),
        ("c", 3, 0, 0),
        ("e", 2, 1, 0),
        ("f", 5, 0, 0),
        ("new", 0, 0, 0),
    ]
    assert (
        "since 2026-11-24T10:00:00+00:00: newly drifted 2, fixed 1, still drifted 1, newly unreachable 1, new "
        "findings 1, resolved findings 0, new hosts 0, removed hosts 1" in console_summary(document)
    )
    written = write_reports(document, tmp_path, ["json", "html"])
    assert json.loads(Path(written[0]).read_text())["trend"]["fixed"] == 1
    assert '"trend":{"previous"' in Path(written[1]).read_text()


def test_no_trend_no_trend_column() -> None:
    document = fleet(STATES)
    assert to_csv(document).splitlines()[0].endswith(",action")
    assert page_data(document)["trend"] is None


def test_summary_filter_exposes_the_trend() -> None:
    hostvars = {"a": {"check": telemetry("proxy.corp.example:8080")}, "b": {"check": telemetry("10.0.0.9:3128")}}
    summary = compliance_summary(hostvars, ["a", "b"], "check", previous=fleet({"a": "drift", "b": "drift"}))
    assert summary["trend"] == {
        "newly_drifted": 0,
        "fixed": 1,
        "still_drifted": 1,
        "newly_unreachable": 0,
        "new_host": 0,
        "unchanged": 0,
        "new_findings": 0,
        "resolved_findings": 0,
        "removed_hosts": 0,
        "previous_generated_at": "2026-12-01T10:00:00+00:00",
        "newly_drifted_hosts": [],
        "fixed_hosts": ["a"],
        "newly_unreachable_hosts": [],
    }
    assert "trend" not in compliance_summary(hostvars, ["a"], "check")
    with pytest.raises(AnsibleFilterError) as error:
        compliance_summary(hostvars, ["a"], "check", previous={"schema": "x"})
    assert str(error.value) == (
        "compliance_summary: previous: not a proxyfleet.windows compliance report (field 'schema' is not "
        "'proxyfleet.windows/compliance-report') (give an earlier compliance.json, loaded)"
    )


def test_a_slices_own_trend_is_not_the_fleets(tmp_path: Path) -> None:
    sliced = fleet({"a": "drift"})
    add_trend(sliced, fleet({"a": "ok"}), "slice-previous.json")
    merged = merge_reports([write(tmp_path / "s.json", sliced)])
    jsonschema.validate(merged, SCHEMA)
    assert "trend" not in merged and "trend" not in merged["hosts"][0]


# Slices read in parallel processes (readers > 1) give what one process gives, errors included.


@pytest.mark.parametrize("readers", [1, 2, 3])
def test_slices_read_in_processes_merge_to_the_unsliced_report(tmp_path: Path, readers: int) -> None:
    merged = merge_reports(slices_of(tmp_path, STATES, 3), readers=readers)
    assert without_run(merged) == without_run(fleet(STATES))
    files = [str(tmp_path / f"slice{k}" / "compliance.json") for k in range(3)]
    assert [s["file"] for s in merged["run"]["slices"]] == files


def test_rows_read_in_different_processes_are_one_dict(tmp_path: Path) -> None:
    # Hosts a and f are compliant alike but dealt to different slices (of 3: a to slice0, f to slice2).
    merged = merge_reports(slices_of(tmp_path, STATES, 3), readers=2)
    rows = {host["name"]: host["settings"] for host in merged["hosts"]}
    assert rows["a"] == rows["f"] and rows["a"][0] is rows["f"][0]


@pytest.mark.parametrize("readers", [1, 2])
def test_a_bad_slice_read_in_a_process_fails_as_in_one(tmp_path: Path, readers: int) -> None:
    paths = slices_of(tmp_path, STATES, 3)
    damaged = json.loads(Path(paths[1]).read_text())
    damaged["hosts"][0]["settings"][0]["compliant"] = "yes"
    write(Path(paths[1]), damaged)
    with pytest.raises(MergeError) as error:
        merge_reports([*paths, str(tmp_path / "gone.json")], readers=readers)
    assert str(error.value) == f"{paths[1]}: hosts[0] ('b').settings[0].compliant must be true or false"


@pytest.mark.parametrize("readers", [1, 2])
def test_a_host_in_two_slices_read_in_processes_fails_naming_both(tmp_path: Path, readers: int) -> None:
    first = write(tmp_path / "1.json", fleet({"a": "ok"}))
    second = write(tmp_path / "2.json", fleet({"a": "drift"}))
    third = write(tmp_path / "3.json", fleet({"b": "drift"}))
    with pytest.raises(MergeError) as error:
        merge_reports([first, second, third], readers=readers)
    assert str(error.value) == (
        f"{second}: host 'a' is also in {first}; slices of one run hold each host once "
        "(set duplicates: newest to keep the copy of the slice written last)"
    )


def test_no_reader_processes_while_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fork copies only the calling thread: with others running, the slices are read in this process.
    monkeypatch.setattr(_report_merge.threading, "active_count", lambda: 2)
    assert _report_merge.readers_for(10) == 1
    monkeypatch.setattr(_report_merge.threading, "active_count", lambda: 1)
    monkeypatch.setattr(_report_merge.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5}, raising=False)
    assert _report_merge.readers_for(10) == _report_merge.MAX_READERS == 4
    assert _report_merge.readers_for(3) == 3
    assert _report_merge.readers_for(1) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("compliant", 1, "compliant must be true or false"),
        ("held", 0, "held must be true or false"),
    ],
)
def test_a_row_equal_to_a_checked_one_but_for_its_type_is_still_checked(
    tmp_path: Path, field: str, value: t.Any, message: str
) -> None:
    # 1 == True and 0 == False: a row must not pass as an earlier, checked row that it only equals.
    document = json.loads(json.dumps(fleet({"a": "ok", "f": "ok"})))  # as read: each host its own rows
    document["hosts"][1]["settings"][0][field] = value
    path = write(tmp_path / "s.json", document)
    with pytest.raises(ReportFileError) as error:
        read_report(path)
    assert str(error.value) == f"{path}: hosts[1] ('f').settings[0].{message}"


def test_values_of_different_types_stay_different_rows(tmp_path: Path) -> None:
    document = json.loads(json.dumps(fleet({"a": "ok", "f": "ok", "g": "ok", "h": "ok"})))
    for host, current in zip(document["hosts"], ["1", 1, 1.0, True], strict=True):
        host["settings"][0]["current"] = current
        host["settings"][0]["compliant"] = False
        host["status"] = "drifted"
    read = read_report(write(tmp_path / "s.json", document))
    currents = [host["settings"][0]["current"] for host in read["hosts"]]
    assert currents == ["1", 1, 1.0, True]
    assert [type(value) for value in currents] == [str, int, float, bool]
