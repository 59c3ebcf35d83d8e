"""The compliance report model: which results count, how hosts and settings are classified."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import (
    ComplianceReport,
    carries_report_data,
    is_collection_action,
    stats_summary,
    surface_of_module,
)

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[4] / "docs" / "schemas" / "compliance-report-4.schema.json").read_text()
)
RUN = {
    "generated_at": "2026-11-23T12:00:00+00:00",
    "ansible_version": "2.21.5",
    "playbooks": ["x.yml"],
    "check_mode": True,
}
OWNER = {"gpo_name": "Contoso MDE proxy", "gpo_id": "cn={5C1A9E27}"}


def telemetry_result(proxy: str = "10.0.0.9:3128", owner: dict[str, str] | None = None) -> dict[str, object]:
    """A telemetry_proxy check-mode result whose proxy drifts from proxy.corp.example:8080."""
    drift: dict[str, object] = {"setting": "telemetry.proxy", "current": proxy, "desired": "proxy.corp.example:8080"}
    if owner:
        drift["owner"] = owner
    before = {"proxy": proxy, "disable_enterprise_auth_proxy": True, "prefer_static_proxy_for_http_request": None}
    return {
        "changed": True,
        "before": before,
        "after": {**before, "proxy": "proxy.corp.example:8080"},
        "drift": [drift],
        "host_commands": 1,
        "backup_id": None,
    }


def compliant_winhttp() -> dict[str, object]:
    view = {"access_type": "named_proxy", "proxy": "proxy.corp.example:8080", "bypass": ["<local>"]}
    return {"changed": False, "before": {"64": view, "32": view}, "after": {"64": view, "32": view}, "drift": []}


def document(report: ComplianceReport) -> dict[str, object]:
    built = report.document(RUN)
    jsonschema.validate(built, SCHEMA)
    return built


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("proxyfleet.windows.proxy_baseline", True),
        ("proxyfleet.windows.configmgr_proxy", True),  # a module added later counts without being listed
        ("proxy_baseline", False),  # unresolved short names are never guessed at
        ("ansible.windows.win_regedit", False),
        ("proxyfleet.windowsx.thing", False),
        (None, False),
    ],
)
def test_collection_actions_by_resolved_name(action: str | None, expected: bool) -> None:
    assert is_collection_action(action) is expected


def test_results_need_the_collection_shapes() -> None:
    assert carries_report_data({"drift": []})
    assert carries_report_data({"surfaces": {}})
    assert carries_report_data({"findings": []})
    assert carries_report_data({"ansible_facts": {"windows_proxy": {"findings": []}}})
    assert not carries_report_data({"changed": False, "msg": "done"})
    assert not carries_report_data({"drift": "yes"})


def test_other_collections_and_other_shapes_are_ignored() -> None:
    report = ComplianceReport()
    assert not report.add_result("a", "ansible.builtin.set_fact", {"drift": [{"setting": "x.y"}]})
    assert report.hosts == {}
    # A task of the collection that checks nothing (restart_service, a restore) leaves its host not assessed,
    # saying what ran: it is accounted for, never compliant.
    assert not report.add_result("a", "proxyfleet.windows.restart_service", {"changed": False})
    [host] = document(report)["hosts"]
    assert (host["status"], host["not_assessed_reason"]) == (
        "not_assessed",
        "no setting was checked: proxyfleet.windows.restart_service ran but checks no setting",
    )


@pytest.mark.parametrize(
    ("action", "surface"),
    [
        ("proxyfleet.windows.telemetry_proxy", "telemetry"),
        ("proxyfleet.windows.delivery_optimization_policy", "delivery_optimization"),
        ("proxyfleet.windows.configmgr_proxy", "configmgr"),
        ("proxyfleet.windows.proxy_endpoint_check", "proxy_endpoint_check"),
    ],
)
def test_surface_of_a_single_surface_module(action: str, surface: str) -> None:
    assert surface_of_module(action) == surface


def test_a_drifting_setting_and_its_compliant_neighbours() -> None:
    report = ComplianceReport()
    assert report.add_result("h", "proxyfleet.windows.telemetry_proxy", telemetry_result())
    [host] = document(report)["hosts"]
    assert host["status"] == "drifted"
    assert host["surfaces"] == ["telemetry"]
    assert host["host_commands"] == 1
    assert host["settings"] == [
        {
            "setting": "telemetry.proxy",
            "surface": "telemetry",
            "current": "10.0.0.9:3128",
            "desired": "proxy.corp.example:8080",
            "compliant": False,
            "owner": None,
            "action": "proxyfleet.windows.telemetry_proxy",
            "held": False,
        },
        {
            "setting": "telemetry.disable_enterprise_auth_proxy",
            "surface": "telemetry",
            "current": True,
            "desired": True,
            "compliant": True,
            "owner": None,
            "action": "proxyfleet.windows.telemetry_proxy",
            "held": False,
        },
        {
            "setting": "telemetry.prefer_static_proxy_for_http_request",
            "surface": "telemetry",
            "current": None,
            "desired": None,
            "compliant": True,
            "owner": None,
            "action": "proxyfleet.windows.telemetry_proxy",
            "held": False,
        },
    ]


def test_a_compliant_single_surface_result_is_named_after_its_module() -> None:
    report = ComplianceReport()
    report.add_result("h", "proxyfleet.windows.winhttp_proxy", compliant_winhttp())
    built = document(report)
    assert [(row["setting"], row["compliant"]) for row in built["hosts"][0]["settings"]] == [
        ("winhttp.32", True),
        ("winhttp.64", True),
    ]
    assert built["totals"]["compliant"] == 1
    assert built["surfaces"] == {"winhttp": {"hosts": 1, "compliant": 1, "drifted": 0}}


def test_deeper_drift_names_hide_the_top_level_key_they_are_under() -> None:
    result = compliant_winhttp()
    result["drift"] = [{"setting": "winhttp.64.proxy", "current": None, "desired": "proxy.corp.example:8080"}]
    report = ComplianceReport()
    report.add_result("h", "proxyfleet.windows.winhttp_proxy", result)
    rows = document(report)["hosts"][0]["settings"]
    assert [(row["setting"], row["compliant"]) for row in rows] == [("winhttp.64.proxy", False), ("winhttp.32", True)]


def test_baseline_surfaces_each_count_and_a_later_result_replaces_a_surface() -> None:
    report = ComplianceReport()
    baseline = {
        "changed": True,
        "drift": [],
        "surfaces": {"telemetry": telemetry_result(), "winhttp": compliant_winhttp()},
        "host_commands": 1,
    }
    report.add_result("h", "proxyfleet.windows.proxy_baseline", baseline)
    assert document(report)["hosts"][0]["status"] == "drifted"
    # The remediation's own later check of the surface is compliant: the host is too.
    fixed = telemetry_result(proxy="proxy.corp.example:8080")
    fixed["drift"] = []
    report.add_result("h", "proxyfleet.windows.telemetry_proxy", fixed)
    built = document(report)
    assert built["hosts"][0]["status"] == "compliant"
    assert built["hosts"][0]["host_commands"] == 2
    assert {row["action"] for row in built["hosts"][0]["settings"] if row["surface"] == "telemetry"} == {
        "proxyfleet.windows.telemetry_proxy"
    }


def test_gpo_owners_from_drift_and_from_facts() -> None:
    report = ComplianceReport()
    report.add_result("h", "proxyfleet.windows.telemetry_proxy", telemetry_result(owner=OWNER))
    facts = {
        "changed": False,
        "findings": [],
        "ansible_facts": {
            "windows_proxy": {
                "findings": [],
                "gpo": [
                    {
                        "setting": "telemetry.disable_enterprise_auth_proxy",
                        "key": "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection",
                        "value": "DisableEnterpriseAuthProxy",
                        "gpo_name": "Contoso MDE proxy",
                        "gpo_id": "cn={5C1A9E27}",
                        "precedence": 1,
                    }
                ],
            }
        },
    }
    report.add_result("h", "proxyfleet.windows.proxy_facts", facts)
    built = document(report)
    rows = {row["setting"]: row["owner"] for row in built["hosts"][0]["settings"]}
    # A result from before owners had kinds ({gpo_name, gpo_id}) is Group Policy's.
    assert rows == {
        "telemetry.proxy": {"owner": "group_policy", **OWNER},
        "telemetry.disable_enterprise_auth_proxy": {
            "owner": "group_policy",
            **OWNER,
            "key": "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection",
            "value": "DisableEnterpriseAuthProxy",
        },
        "telemetry.prefer_static_proxy_for_http_request": None,
    }
    assert [owner["setting"] for owner in built["hosts"][0]["owners"]] == [
        "telemetry.disable_enterprise_auth_proxy",
        "telemetry.proxy",
    ]
    assert built["totals"]["gpo_owned_settings"] == 2


def test_findings_only_host_and_findings_replaced_per_action() -> None:
    report = ComplianceReport()
    finding = {"id": "DO004", "severity": "low", "surface": "delivery_optimization", "message": "m", "remediation": "r"}
    report.add_result("h", "proxyfleet.windows.proxy_facts", {"findings": [finding, finding]})
    report.add_result("h", "proxyfleet.windows.proxy_facts", {"findings": [finding]})
    report.add_result("h", "proxyfleet.windows.proxy_endpoint_check", {"findings": [{**finding, "severity": "high"}]})
    built = document(report)
    # Findings are not an assessment of the settings: a host with findings only is not assessed, never compliant
    # (it was "compliant" in schema version 1).
    assert (built["hosts"][0]["status"], built["hosts"][0]["not_assessed_reason"]) == (
        "not_assessed",
        "no setting was checked, only findings "
        "(proxyfleet.windows.proxy_endpoint_check, proxyfleet.windows.proxy_facts)",
    )
    assert built["totals"]["findings"] == {"high": 1, "medium": 0, "low": 1}
    assert built["totals"]["hosts_with_findings"] == 1


def test_failed_and_unreachable_hosts_are_unknown_never_compliant() -> None:
    report = ComplianceReport()
    report.add_result("ok-then-failed", "proxyfleet.windows.winhttp_proxy", compliant_winhttp())
    report.add_failure("ok-then-failed", "proxyfleet.windows.telemetry_proxy", "agent error")
    report.add_failure("ok-then-failed", "proxyfleet.windows.telemetry_proxy", "agent error")
    report.add_failure("gone", "proxyfleet.windows.proxy_facts", "connection refused", unreachable=True)
    built = document(report)
    hosts = {host["name"]: host for host in built["hosts"]}
    assert hosts["ok-then-failed"]["status"] == "unknown"
    assert hosts["ok-then-failed"]["problems"] == ["proxyfleet.windows.telemetry_proxy failed: agent error"]
    assert (hosts["gone"]["status"], hosts["gone"]["unreachable"]) == ("unknown", True)
    assert hosts["gone"]["problems"] == ["proxyfleet.windows.proxy_facts unreachable: connection refused"]
    assert (built["totals"]["unknown"], built["totals"]["compliant"]) == (2, 0)


def test_registered_results_loops_and_missing_ones() -> None:
    report = ComplianceReport()
    report.add_registered("looped", {"results": [telemetry_result(), {"skipped": True}]})
    report.add_registered("failed", {"failed": True, "msg": "boom"})
    report.add_registered("absent", None)
    report.add_registered("skipped", {"skipped": True, "changed": False})
    built = document(report)
    summary = stats_summary(built)
    # Nothing registered (the task never ran there) and a skipped task are not assessed; failures are unknown.
    assert summary == {
        "schema_version": 4,
        "hosts": 4,
        "compliant": 0,
        "drifted": 1,
        "unknown": 1,
        "not_assessed": 2,
        "compliant_percent": 0.0,
        "drifted_hosts": ["looped"],
        "unknown_hosts": ["failed"],
        "not_assessed_hosts": ["absent", "skipped"],
        "surfaces": {"telemetry": {"hosts": 1, "compliant": 0, "drifted": 1}},
    }
    reasons = {host["name"]: host["not_assessed_reason"] for host in built["hosts"]}
    assert reasons == {
        "absent": "nothing registered: the check task did not run on it",
        "failed": "",
        "looped": "",
        "skipped": "the check task was skipped on it",
    }


def test_hosts_no_check_reached_are_not_assessed_with_the_reason() -> None:
    report = ComplianceReport()
    report.expect("checked", "Compliance")
    report.add_result("checked", "proxyfleet.windows.winhttp_proxy", compliant_winhttp())
    report.expect("never-reached", "Compliance")
    report.expect("never-reached", "Findings")
    report.expect("all-skipped", "Compliance")
    report.add_skipped("all-skipped", "proxyfleet.windows.winhttp_proxy")
    report.add_skipped("all-skipped", "proxyfleet.windows.winhttp_proxy")
    report.add_skipped("all-skipped", "ansible.builtin.debug")  # not ours: not part of the reason
    built = document(report)
    hosts = {host["name"]: (host["status"], host["not_assessed_reason"]) for host in built["hosts"]}
    assert hosts == {
        "all-skipped": (
            "not_assessed",
            "every proxyfleet.windows task on it was skipped (proxyfleet.windows.winhttp_proxy)",
        ),
        "checked": ("compliant", ""),
        "never-reached": (
            "not_assessed",
            "no proxyfleet.windows task ran on it in 'Compliance', 'Findings' "
            "(no role or task applied to it, or the play ended before it got there)",
        ),
    }
    assert (built["totals"]["not_assessed"], built["totals"]["compliant"]) == (2, 1)


def test_credentials_never_reach_the_document() -> None:
    report = ComplianceReport()
    report.add_result("h", "proxyfleet.windows.telemetry_proxy", telemetry_result(proxy="u:pw@10.0.0.9:3128"))
    report.add_failure("h2", "proxyfleet.windows.proxy_facts", "cannot reach http://admin:hunter2@p:80")
    text = json.dumps(document(report))
    assert "pw@" not in text
    assert "hunter2" not in text
    assert '"current": "***@10.0.0.9:3128"' in text


def test_summary_of_an_empty_run_and_its_host_limit() -> None:
    assert stats_summary(ComplianceReport().document(RUN))["compliant_percent"] == 100.0
    report = ComplianceReport()
    for number in range(5):
        report.add_failure(f"h{number}", "proxyfleet.windows.proxy_facts", "x", unreachable=True)
    assert stats_summary(report.document(RUN), limit=2)["unknown_hosts"] == ["h0", "h1"]


MDM_OWNER = {
    "owner": "mdm",
    "area": "DeliveryOptimization",
    "policy": "DODownloadMode",
    "csp": "./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode",
    "key": "HKLM\\SOFTWARE\\Microsoft\\PolicyManager\\current\\device\\DeliveryOptimization",
    "value": "DODownloadMode",
    "mdm_wins_over_gp": False,
    "verified": False,
}


def held_do_result() -> dict[str, object]:
    """delivery_optimization_policy in check mode on a host whose DO download mode Intune sets."""
    held = {
        "setting": "delivery_optimization.download_mode",
        "current": None,
        "desired": "lan",
        **MDM_OWNER,
        "effective": "group",
        "held": True,
    }
    before = {"download_mode": None, "group_id": None}
    return {"changed": False, "before": before, "after": before, "drift": [], "held": [held], "host_commands": 1}


def test_a_held_setting_is_held_with_its_owner_and_never_compliant() -> None:
    report = ComplianceReport()
    report.add_result("h", "proxyfleet.windows.delivery_optimization_policy", held_do_result())
    built = document(report)
    [host] = built["hosts"]
    assert host["status"] == "drifted"
    assert host["settings"][0] == {
        "setting": "delivery_optimization.download_mode",
        "surface": "delivery_optimization",
        "current": None,
        "desired": "lan",
        "compliant": False,
        # The owner without the MDM value (values are current and desired, redacted there).
        "owner": MDM_OWNER,
        "action": "proxyfleet.windows.delivery_optimization_policy",
        "held": True,
    }
    assert host["settings"][1]["setting"] == "delivery_optimization.group_id"
    assert host["owners"] == [{"setting": "delivery_optimization.download_mode", **MDM_OWNER}]
    totals = built["totals"]
    assert (totals["settings_held"], totals["owned_settings"], totals["gpo_owned_settings"]) == (1, 1, 0)


def test_owners_from_the_facts_owner_map() -> None:
    report = ComplianceReport()
    facts = {
        "findings": [],
        "ansible_facts": {
            "windows_proxy": {
                "findings": [],
                "owners": {
                    "defender.proxy_server": {"owner": "preference", "key": "HKLM\\X", "value": "ProxyServer"},
                    "winhttp.64": {"owner": "local"},
                },
            }
        },
    }
    report.add_result("h", "proxyfleet.windows.proxy_facts", facts)
    report.add_result("h", "proxyfleet.windows.delivery_optimization_policy", held_do_result())
    assert [owner["setting"] for owner in document(report)["hosts"][0]["owners"]] == [
        "defender.proxy_server",
        "delivery_optimization.download_mode",
    ]
