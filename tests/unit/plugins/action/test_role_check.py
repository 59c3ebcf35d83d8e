"""proxy_baseline(role=...): a collection role's whole check in one task, from the role's variables."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._role_check import (
    baseline_args,
    role_spec,
    unmet_request,
)
from tests.inprocess import InProcessHost

PROXY = "proxy.corp.example:8080"
DO_VARIABLES = {"delivery_optimization_proxy": PROXY, "delivery_optimization_bypass": ["<local>", "*.corp.example"]}
# What the role's task asked for with these variables when it was written in Jinja (before the role option).
DO_WRITTEN_OUT = {
    "wininet": {
        "proxy": PROXY,
        "bypass": ["<local>", "*.corp.example", "*.do.dsp.mp.microsoft.com"],
        "auto_detect": False,
        "per_machine": True,
        "override_gpo": False,
        "override_owner": [],
    },
    "winhttp": {"state": "absent", "override_gpo": False, "override_owner": []},
    "facts": True,
    "authenticating_proxies": [],
}
MDE_VARIABLES = {
    "defender_endpoint_proxy": PROXY,
    "defender_endpoint_profile": "offline",
    "defender_endpoint_winhttp": "mirror",
    "defender_endpoint_bypass": ["<local>"],
}
MDE_OWNERS = {"override_gpo": False, "override_owner": []}
MDE_WRITTEN_OUT = {
    "telemetry": {
        "proxy": PROXY,
        "disable_enterprise_auth_proxy": True,
        "prefer_static_proxy_for_http_request": True,
        **MDE_OWNERS,
    },
    "defender": {"proxy_server": f"http://{PROXY}", "bypass": ["<local>"], "ssl_options": 2, **MDE_OWNERS},
    "winhttp": {"proxy": PROXY, "bypass": ["<local>"], **MDE_OWNERS},
    "facts": True,
    "facts_profile": "offline",
    "facts_users": False,
    "authenticating_proxies": [],
}


def _defaults(role: str) -> dict[str, t.Any]:
    return {name: option.get("default") for name, option in role_spec(role).items()}


def test_the_role_options_are_what_the_roles_jinja_asked_for() -> None:
    assert baseline_args("delivery_optimization", {**_defaults("delivery_optimization"), **DO_VARIABLES}) == (
        DO_WRITTEN_OUT
    )
    assert baseline_args("defender_endpoint", {**_defaults("defender_endpoint"), **MDE_VARIABLES}) == MDE_WRITTEN_OUT


def test_a_download_mode_or_cache_hosts_adds_the_policy_and_leave_drops_winhttp() -> None:
    values = {
        **_defaults("delivery_optimization"),
        **DO_VARIABLES,
        "delivery_optimization_download_mode": "group",
        "delivery_optimization_group_id_source": "ad_site",
        "delivery_optimization_winhttp": "leave",
    }
    args = baseline_args("delivery_optimization", values)
    assert "winhttp" not in args
    assert args["delivery_optimization"] == {
        "download_mode": "group",
        "group_id_source": "ad_site",
        "override_gpo": False,
        "override_owner": [],
    }


@pytest.mark.parametrize(
    ("role", "variables", "written_out", "fixture", "unmet"),
    [
        ("delivery_optimization", DO_VARIABLES, DO_WRITTEN_OUT, "srv2019-compliant", None),
        # Group mode without a group: DO004, which the role was not asked to fix.
        ("delivery_optimization", DO_VARIABLES, DO_WRITTEN_OUT, "win10-do-group", "DO004 DODownloadMode is 2 (Group)"),
        # Group Policy holds the sensor's proxy.
        ("defender_endpoint", MDE_VARIABLES, MDE_WRITTEN_OUT, "win11-gpo-telemetry", "would use 10.0.0.9:3128 "),
        ("defender_endpoint", MDE_VARIABLES, MDE_WRITTEN_OUT, "clean-host", None),
    ],
)
def test_the_role_task_gives_what_the_written_out_task_gives(
    role: str, variables: dict[str, t.Any], written_out: dict[str, t.Any], fixture: str, unmet: str | None
) -> None:
    ours = InProcessHost.from_fixture(fixture).run("proxy_baseline", {"role": role}, variables=variables)
    plain = InProcessHost.from_fixture(fixture).run("proxy_baseline", written_out)
    assert ours.error is None and ours.result is not None and plain.result is not None
    # The same host commands, the same result; the role's task also holds the host to the request.
    assert ours.command_lines == plain.command_lines
    message, failed = ours.result.pop("msg", None), ours.result.pop("failed", False)
    for result in (ours.result, plain.result):
        result.pop("failed", None)
        result.pop("backup_id", None)  # each write's own
    assert ours.result == plain.result
    # The role's task fails the host that is not as asked, saying why.
    assert failed is (unmet is not None)
    assert (message is None) if unmet is None else (message is not None and unmet in message)


def test_missing_and_mistyped_role_variables_fail_before_any_host_command() -> None:
    host = InProcessHost.from_fixture("clean-host")
    missing = host.run("proxy_baseline", {"role": "delivery_optimization"}, variables={})
    assert missing.error == "role delivery_optimization: missing required arguments: delivery_optimization_proxy"
    wrong = host.run(
        "proxy_baseline",
        {"role": "defender_endpoint"},
        variables={"defender_endpoint_proxy": PROXY, "defender_endpoint_winhttp": "copy"},
    )
    assert wrong.error == (
        "role defender_endpoint: value of defender_endpoint_winhttp must be one of: leave, mirror, got: copy"
    )
    assert host.command_lines == []


def test_an_option_error_names_the_role_variable() -> None:
    host = InProcessHost.from_fixture("clean-host")
    run = host.run(
        "proxy_baseline",
        {"role": "defender_endpoint"},
        variables={"defender_endpoint_proxy": PROXY, "defender_endpoint_av_proxy_server": "ftp://proxy:21"},
    )
    assert run.error is not None and run.error.startswith("defender_endpoint_av_proxy_server (defender.proxy_server): ")
    assert host.command_lines == []


def test_other_options_beside_role_are_refused() -> None:
    host = InProcessHost.from_fixture("clean-host")
    run = host.run("proxy_baseline", {"role": "delivery_optimization", "facts": False}, variables=DO_VARIABLES)
    assert run.error == (
        "role: give no other option with role=delivery_optimization (the role's variables give them all): facts"
    )
    assert host.command_lines == []


def test_a_compliance_run_neither_reads_facts_nor_fails() -> None:
    variables = {**DO_VARIABLES, "delivery_optimization_fail_on_findings": False}
    host = InProcessHost.from_fixture("win10-do-group")
    run = host.run("proxy_baseline", {"role": "delivery_optimization"}, variables=variables, check_mode=True)
    assert run.result is not None
    assert "ansible_facts" not in run.result and not run.result.get("failed")


def test_check_mode_reports_a_drifted_host_by_its_drift_not_its_facts() -> None:
    values = {**_defaults("delivery_optimization"), **DO_VARIABLES}
    facts = {"effective": {}, "findings": []}  # never looked at: the host drifts
    outcome = {"changed": True, "ansible_facts": {"windows_proxy": facts}}
    assert unmet_request("delivery_optimization", values, outcome, check_mode=True) is None


def test_the_unmet_message_lists_findings_gpos_and_held_values() -> None:
    values = {**_defaults("delivery_optimization"), **DO_VARIABLES}
    route = {"proxy": None, "rule": "no proxy configured"}
    facts = {
        "effective": {"delivery_optimization": {"interactive": route, "network_service": route}},
        "findings": [
            {"id": "DO006", "message": "netsh cannot authenticate"},
            {"id": "MDE001", "message": "not about DO"},
            {"id": "AU001", "message": "DO cannot authenticate", "evidence": {"consumer": "delivery_optimization_ns"}},
            {"id": "AU001", "message": "the sensor cannot", "evidence": {"consumer": "mde_sensor"}},
        ],
        "gpo": [{"setting": "wininet.proxy", "gpo_name": "Corp proxy"}],
    }
    outcome = {"changed": False, "held": [{"setting": "wininet.proxy", "owner": "group_policy"}]}
    outcome["ansible_facts"] = {"windows_proxy": facts}
    assert unmet_request("delivery_optimization", values, outcome, check_mode=False) == (
        "Delivery Optimization is not as asked (proxy proxy.corp.example:8080 for a signed-in user and for "
        "NetworkService, no DO finding). Signed-in user: direct (no proxy configured). NetworkService: direct (no "
        "proxy configured). Findings: DO006 netsh cannot authenticate; AU001 DO cannot authenticate. Set by Group "
        "Policy: wininet.proxy by GPO 'Corp proxy'. Held (their owner would put them back): wininet.proxy owned by "
        "group_policy"
    )
    # mirror declares the proxy anonymous: DO006 is accepted, AU001 is not.
    mirror = {**values, "delivery_optimization_winhttp": "mirror"}
    message = unmet_request("delivery_optimization", mirror, outcome, check_mode=False)
    assert message is not None and "DO006" not in message and "AU001 DO cannot authenticate" in message
