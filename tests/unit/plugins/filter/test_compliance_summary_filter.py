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
        "schema_version": 3,
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
