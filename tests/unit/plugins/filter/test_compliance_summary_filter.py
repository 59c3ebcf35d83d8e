"""The compliance_summary filter: set_stats data from registered results."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.proxyfleet.windows.plugins.filter.compliance_summary import FilterModule, compliance_summary

DRIFTED = {"drift": [{"setting": "telemetry.proxy", "current": None, "desired": "p:8080"}], "changed": True}
COMPLIANT = {"drift": [], "surfaces": {"winhttp": {"before": {"64": {}}, "after": {"64": {}}, "drift": []}}}
HOSTVARS = {
    "a": {"check": COMPLIANT},
    "b": {"check": DRIFTED},
    "c": {"check": {"failed": True, "msg": "agent error"}},
    "d": {},  # nothing registered: the task did not run there
    "f": {"check": {"unreachable": True, "msg": "connection refused"}},
    "g": {"check": {"skipped": True, "changed": False}},
}


def test_filter_is_registered() -> None:
    assert list(FilterModule().filters()) == ["compliance_summary"]


def test_summary_of_registered_results() -> None:
    assert compliance_summary(HOSTVARS, ["a", "b", "c", "d", "e", "f", "g"], "check") == {
        "schema_version": 4,
        "hosts": 7,
        "compliant": 1,
        "drifted": 1,
        "unknown": 2,
        "not_assessed": 3,
        "compliant_percent": 14.3,
        "drifted_hosts": ["b"],
        "unknown_hosts": ["c", "f"],
        "not_assessed_hosts": ["d", "e", "g"],
        "surfaces": {
            "telemetry": {"hosts": 1, "compliant": 0, "drifted": 1},
            "winhttp": {"hosts": 1, "compliant": 1, "drifted": 0},
        },
    }


def test_play_hosts_tell_hosts_that_left_the_play_from_checks_that_did_not_run() -> None:
    summary = compliance_summary(HOSTVARS, ["a", "d", "e"], "check", play_hosts=["a", "e"])
    assert (summary["unknown_hosts"], summary["not_assessed_hosts"]) == (["d"], ["e"])


def test_several_registered_names() -> None:
    hostvars = {"a": {"one": COMPLIANT, "two": DRIFTED}}
    assert compliance_summary(hostvars, ["a"], ["one", "two"], limit=0)["drifted"] == 1
    assert compliance_summary(hostvars, ["a"], ["one", "two"], limit=0)["drifted_hosts"] == []


def test_of_several_names_a_host_counts_with_those_it_registered() -> None:
    hostvars = {"a": {"role_check": DRIFTED, "facts": COMPLIANT}, "b": {"facts": COMPLIANT}, "c": {}}
    summary = compliance_summary(hostvars, ["a", "b", "c"], ["role_check", "facts"])
    # c registered nothing: no setting was checked on it, so it is not assessed (not unknown: it did not fail).
    assert (summary["drifted_hosts"], summary["compliant"], summary["not_assessed_hosts"]) == (["a"], 1, ["c"])
    assert summary["unknown_hosts"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([], ["a"], "check"), "compliance_summary: input must be hostvars (a mapping), got list"),
        (({}, "a", "check"), "compliance_summary: hosts must be a list of host names, e.g. ansible_play_hosts_all"),
        (
            ({}, ["a"], 3),
            "compliance_summary: registered must be the name of a registered variable or a list of names, got 3",
        ),
        (
            ({}, ["a"], []),
            "compliance_summary: registered must be the name of a registered variable or a list of names, got []",
        ),
        (({}, ["a"], "check", -1), "compliance_summary: limit must be a non-negative integer, got -1"),
        (
            ({}, ["a"], "check", 1, "a"),
            "compliance_summary: play_hosts must be a list of host names, e.g. ansible_play_hosts",
        ),
    ],
)
def test_bad_input_names_the_argument(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(AnsibleFilterError) as caught:
        compliance_summary(*args)
    assert str(caught.value) == message


HIGH = {"id": "MDE003", "severity": "high", "surface": "telemetry", "message": "m", "evidence": {}}
LOW = {"id": "DO002", "severity": "low", "surface": "delivery_optimization", "message": "m", "evidence": {}}


def test_query_selects_from_the_report_document() -> None:
    hostvars = {
        "a": {"check": DRIFTED | {"findings": [HIGH]}},
        "b": {"check": DRIFTED | {"findings": [LOW]}},
        "c": {"check": COMPLIANT | {"findings": [HIGH]}},
    }
    query = "hosts[?status=='drifted' && length(findings[?severity=='high']) > `0`].name"
    assert compliance_summary(hostvars, ["a", "b", "c"], "check", query=query) == ["a"]
    assert compliance_summary(hostvars, ["a", "b", "c"], "check", query="totals.drifted") == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "hosts[?status==",
            "compliance_summary: query is not a valid JMESPath expression (Invalid jmespath expression at character"
            " 15): 'hosts[?status=='",
        ),
        ("", "compliance_summary: query must be a JMESPath expression (a non-empty string), got ''"),
        (3, "compliance_summary: query must be a JMESPath expression (a non-empty string), got 3"),
    ],
)
def test_bad_query_names_the_option(query: object, message: str) -> None:
    with pytest.raises(AnsibleFilterError) as caught:
        compliance_summary(HOSTVARS, ["a"], "check", query=query)  # type: ignore[arg-type]
    assert str(caught.value) == message
