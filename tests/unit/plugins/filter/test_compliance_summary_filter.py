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
    "d": {},  # unreachable: nothing registered
}


def test_filter_is_registered() -> None:
    assert list(FilterModule().filters()) == ["compliance_summary"]


def test_summary_of_registered_results() -> None:
    assert compliance_summary(HOSTVARS, ["a", "b", "c", "d", "e"], "check") == {
        "schema_version": 1,
        "hosts": 5,
        "compliant": 1,
        "drifted": 1,
        "unknown": 3,
        "compliant_percent": 20.0,
        "drifted_hosts": ["b"],
        "unknown_hosts": ["c", "d", "e"],
        "surfaces": {
            "telemetry": {"hosts": 1, "compliant": 0, "drifted": 1},
            "winhttp": {"hosts": 1, "compliant": 1, "drifted": 0},
        },
    }


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
    ],
)
def test_bad_input_names_the_argument(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(AnsibleFilterError) as caught:
        compliance_summary(*args)
    assert str(caught.value) == message
