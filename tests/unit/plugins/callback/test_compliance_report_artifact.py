"""The compliance_report callback's artifact_query: the selection in compliance.json and compliance.artifact.json."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import jsonschema
import pytest
import yaml

from ansible_collections.proxyfleet.windows.plugins.callback import compliance_report
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_query import ReportQueryError, run_query

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[4] / "docs" / "schemas" / "compliance-report-4.schema.json").read_text()
)
HIGH_DRIFT_QUERY = "hosts[?status=='drifted' && length(findings[?severity=='high']) > `0`].name"
HIGH = {"id": "MDE001", "severity": "high", "surface": "telemetry", "message": "m", "remediation": "r", "source": "s"}


def drift(findings: list[dict[str, str]]) -> dict[str, t.Any]:
    return {
        "changed": True,
        "drift": [{"surface": "telemetry", "setting": "proxy", "current": "a:1", "desired": "b:2"}],
        "findings": findings,
    }


class Display:
    """Records what the callback shows."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.shown: list[str] = []

    def error(self, message: str) -> None:
        self.errors.append(message)

    def display(self, message: str) -> None:
        self.shown.append(message)

    def warning(self, message: str) -> None:
        self.errors.append(message)


def callback(tmp_path: Path, **options: t.Any) -> tuple[compliance_report.CallbackModule, Display]:
    plugin = compliance_report.CallbackModule()
    # The documented defaults, then the options the test sets (what ansible-core's config would resolve).
    documented = yaml.safe_load(compliance_report.DOCUMENTATION)["options"]
    plugin._plugin_options = {name: spec.get("default") for name, spec in documented.items()}
    shown = Display()
    plugin._display = shown  # type: ignore[assignment]
    plugin._plugin_options.update(output_dir=str(tmp_path), formats=["json"], summary=False, **options)
    plugin.report.add_result("a", "proxyfleet.windows.telemetry_proxy", drift([HIGH]))
    plugin.report.add_result("b", "proxyfleet.windows.telemetry_proxy", drift([]))
    plugin.report.add_result("c", "proxyfleet.windows.telemetry_proxy", {"changed": False, "drift": [], "findings": []})
    return plugin, shown


def test_the_selection_is_written_into_the_report_and_beside_it(tmp_path: Path) -> None:
    plugin, shown = callback(tmp_path, artifact_query=HIGH_DRIFT_QUERY)
    plugin._write_report()
    assert shown.errors == []
    artifact = json.loads((tmp_path / "compliance.artifact.json").read_text(encoding="utf-8"))
    assert artifact == {"query": HIGH_DRIFT_QUERY, "selection": ["a"]}
    document = json.loads((tmp_path / "compliance.json").read_text(encoding="utf-8"))
    assert document["artifact"] == artifact
    jsonschema.validate(document, SCHEMA)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["compliance.artifact.json", "compliance.json"]


def test_without_artifact_query_nothing_more_is_written(tmp_path: Path) -> None:
    plugin, shown = callback(tmp_path)
    plugin._write_report()
    assert shown.errors == []
    assert [path.name for path in tmp_path.iterdir()] == ["compliance.json"]
    assert "artifact" not in json.loads((tmp_path / "compliance.json").read_text(encoding="utf-8"))


def test_an_invalid_query_is_named_at_play_start_and_at_the_end(tmp_path: Path) -> None:
    plugin, shown = callback(tmp_path, artifact_query="hosts[?")
    plugin._check_query_option()
    plugin._check_query_option()  # said once, not once per play
    expected = (
        "compliance_report: artifact_query is not a valid JMESPath expression (Invalid jmespath expression at"
        " character 7): 'hosts[?'"
    )
    assert shown.errors == [f"{expected}; no selection will be written"]
    plugin._write_report()
    assert shown.errors[1:] == [f"{expected}; no selection written"]
    assert [path.name for path in tmp_path.iterdir()] == ["compliance.json"]


def test_an_invalid_query_fails_the_run_with_fail_on_drift_like_an_unwritten_report(tmp_path: Path) -> None:
    # Nothing drifted and the one host (nothing checked on it) is allowed: only the missing selection fails the run.
    plugin, shown = callback(tmp_path, artifact_query="hosts[?", fail_on_drift=True, allow_not_assessed=True)
    plugin.report = compliance_report.ComplianceReport()
    plugin.report.add_result("c", "proxyfleet.windows.telemetry_proxy", {"changed": False, "drift": [], "findings": []})
    with pytest.raises(SystemExit) as stopped:
        plugin._write_report()
    assert stopped.value.code == 2
    assert shown.errors[-1] == (
        "compliance_report: fail_on_drift: 0 host(s) drifted, 0 unknown, 1 not assessed (allowed), report not"
        " written; exiting with 2"
    )


def test_a_query_that_fails_on_the_document_names_the_option() -> None:
    import jmespath

    with pytest.raises(ReportQueryError) as caught:
        run_query(jmespath.compile("length(totals.drifted)"), {"totals": {"drifted": 3}}, "compliance_report: x")
    assert str(caught.value).startswith("compliance_report: x failed on the report (In function length(), invalid")
    assert str(caught.value).endswith("): 'length(totals.drifted)'")
