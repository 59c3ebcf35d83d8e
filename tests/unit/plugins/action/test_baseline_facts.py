"""proxy_baseline(facts=true): proxy_facts' answer from the baseline's own read, in no extra host command."""

from __future__ import annotations

import typing as t

import pytest

from tests.inprocess import InProcessHost

BASELINE = {
    "wininet": {"proxy": "proxy.corp.example:8080", "bypass": ["<local>"], "per_machine": True},
    "winhttp": {"source": "wininet"},
    "telemetry": {"proxy": "proxy.corp.example:8080"},
    "delivery_optimization": {"download_mode": "lan"},
}


def _ok(host: InProcessHost, module: str, args: dict[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    run = host.run(module, args, **kwargs)
    assert run.error is None and run.result is not None, run.error
    assert not run.result.get("failed"), run.result
    return run.result


@pytest.mark.parametrize("fixture", ["clean-host", "win11-peruser", "win11-gpo-telemetry", "srv2019-compliant"])
@pytest.mark.parametrize(("profile", "users"), [("standard", True), ("offline", False)])
def test_facts_equal_a_proxy_facts_read_after_the_task(fixture: str, profile: str, users: bool) -> None:
    host = InProcessHost.from_fixture(fixture)
    args = {**BASELINE, "facts": True, "facts_profile": profile, "facts_users": users}
    facts_args = {"profile": profile, "users": users}
    before = _ok(host, "proxy_facts", facts_args)
    # Check mode writes nothing: the facts describe the host as it is.
    check = _ok(host, "proxy_baseline", args, check_mode=True)
    assert check["host_commands"] == 1
    assert check["ansible_facts"] == before["ansible_facts"]
    assert check["findings"] == before["findings"]
    # A drifted host: read + write, and the facts describe what the write left.
    applied = _ok(host, "proxy_baseline", args)
    assert applied["host_commands"] == (2 if applied["changed"] else 1)
    after = _ok(host, "proxy_facts", facts_args)
    assert applied["ansible_facts"] == after["ansible_facts"]
    assert applied["findings"] == after["findings"]
    # Steady state: one command, the same facts.
    again = _ok(host, "proxy_baseline", args)
    assert (again["changed"], again["host_commands"]) == (False, 1)
    assert again["ansible_facts"] == after["ansible_facts"]


def test_without_facts_the_result_has_none() -> None:
    result = _ok(InProcessHost.from_fixture("clean-host"), "proxy_baseline", BASELINE, check_mode=True)
    assert "ansible_facts" not in result and "findings" not in result


def test_a_facts_option_of_the_wrong_type_fails_before_any_host_command() -> None:
    host = InProcessHost.from_fixture("clean-host")
    run = host.run("proxy_baseline", {**BASELINE, "facts": True, "facts_profile": "strict"})
    assert run.error == "value of facts_profile must be one of: standard, offline, got: strict"
    assert run.command_lines == []
