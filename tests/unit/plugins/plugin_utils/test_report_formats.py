"""compliance.json, .junit.xml, .csv, .html and the console summary, from one small document."""

from __future__ import annotations

import csv
import io
import json
import re
from xml.etree import ElementTree

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _report_formats, _report_html
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_files import (
    FORMATS,
    unknown_formats,
    write_reports,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import ComplianceReport

RUN = {"generated_at": "2026-11-23T12:00:00+00:00", "ansible_version": "2.21.5", "playbooks": [], "check_mode": True}
EVIL = '</script><img src=x onerror="alert(1)">'


def sample() -> dict[str, object]:
    report = ComplianceReport()
    report.add_result(
        "drifted-host",
        "proxyfleet.windows.telemetry_proxy",
        {
            "before": {"proxy": EVIL, "disable_enterprise_auth_proxy": True},
            "after": {"proxy": "proxy.corp.example:8080", "disable_enterprise_auth_proxy": True},
            "drift": [
                {
                    "setting": "telemetry.proxy",
                    "current": EVIL,
                    "desired": "proxy.corp.example:8080",
                    "owner": {"gpo_name": "Contoso MDE proxy", "gpo_id": "{5C1A}"},
                }
            ],
        },
    )
    report.add_result(
        "ok-host",
        "proxyfleet.windows.defender_proxy",
        {
            "before": {"bypass": ["<local>", "*.corp.example"]},
            "after": {"bypass": ["<local>", "*.corp.example"]},
            "drift": [],
        },
    )
    report.add_failure("gone-host", "proxyfleet.windows.proxy_facts", "connection refused", unreachable=True)
    return report.document(RUN)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("a b", "a b"),
        (True, "true"),
        (3, "3"),
        (["<local>", "x"], '["<local>","x"]'),
        ({"b": 1, "a": 2}, '{"a":2,"b":1}'),
    ],
)
def test_values_in_one_line(value: object, text: str) -> None:
    assert _report_formats.value_text(value) == text


def test_json_round_trips() -> None:
    document = sample()
    assert json.loads(_report_formats.to_json(document)) == document


def test_csv_one_row_per_host_and_setting() -> None:
    rows = list(csv.reader(io.StringIO(_report_formats.to_csv(sample()))))
    assert rows == [
        list(_report_formats.CSV_COLUMNS),
        [
            "drifted-host",
            "drifted",
            "telemetry",
            "telemetry.proxy",
            "false",
            EVIL,
            "proxy.corp.example:8080",
            "Contoso MDE proxy",
            "{5C1A}",
            "proxyfleet.windows.telemetry_proxy",
        ],
        [
            "drifted-host",
            "drifted",
            "telemetry",
            "telemetry.disable_enterprise_auth_proxy",
            "true",
            "true",
            "true",
            "",
            "",
            "proxyfleet.windows.telemetry_proxy",
        ],
        ["gone-host", "unknown", "", "", "", "", "", "", "", ""],
        [
            "ok-host",
            "compliant",
            "defender",
            "defender.bypass",
            "true",
            '["<local>","*.corp.example"]',
            '["<local>","*.corp.example"]',
            "",
            "",
            "proxyfleet.windows.defender_proxy",
        ],
    ]


def test_junit_failures_for_drift_and_errors_for_unknown_hosts() -> None:
    root = ElementTree.fromstring(_report_formats.to_junit(sample()))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "1")
    cases = [(case.get("classname"), case.get("name"), [child.tag for child in case]) for case in root.iter("testcase")]
    assert cases == [
        ("drifted-host", "telemetry.proxy", ["failure"]),
        ("drifted-host", "telemetry.disable_enterprise_auth_proxy", []),
        ("gone-host", "host", ["error"]),
        ("ok-host", "defender.bypass", []),
    ]
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == (
        f"telemetry.proxy is {EVIL}, desired proxy.corp.example:8080 (set by Group Policy 'Contoso MDE proxy')"
    )
    error = root.find(".//error")
    assert error is not None
    assert error.get("message") == "proxyfleet.windows.proxy_facts unreachable: connection refused"


def test_console_summary() -> None:
    text = _report_formats.console_summary(sample(), ["/r/compliance.json"])
    assert text.splitlines() == [
        "COMPLIANCE REPORT (proxyfleet.windows)",
        "hosts                          3",
        "  compliant                    1",
        "  drifted                      1",
        "  unknown                      1",
        "findings                       0  high 0 medium 0 low 0",
        "surface                    hosts  compliant  drifted",
        "  defender                     1          1        0",
        "  telemetry                    1          0        1",
        "written: /r/compliance.json",
    ]


def test_html_is_self_contained_and_host_text_stays_data() -> None:
    page = _report_html.to_html(sample(), title="Fleet <A>")
    assert "<title>Fleet &lt;A&gt;</title>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    # The host's value must not end the data block or become markup: "<" is escaped inside the JSON.
    assert page.count("</script>") == 2
    assert "<img" not in page
    data = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    parsed = json.loads(data)
    assert EVIL in parsed["strings"]
    assert [host[:8] for host in parsed["hosts"]] == [
        ["drifted-host", 1, 1, 2, 0, 0, 1, ""],
        ["gone-host", 2, 0, 0, 0, 0, 0, "proxyfleet.windows.proxy_facts unreachable: connection refused"],
        ["ok-host", 0, 0, 1, 0, 0, 0, ""],
    ]
    [evil_row] = [row for row in parsed["hosts"][0][8] if parsed["strings"][row[0]] == "telemetry.proxy"]
    assert parsed["strings"][evil_row[2]] == EVIL
    assert parsed["strings"][evil_row[5]] == "Contoso MDE proxy"


def test_html_interns_repeated_strings() -> None:
    document = sample()
    hosts = document["hosts"]
    assert isinstance(hosts, list)
    document["hosts"] = [dict(hosts[2], name=f"ok-{number}") for number in range(100)]
    strings = _report_html.page_data(document)["strings"]
    assert strings == ["defender.bypass", "defender", '["<local>","*.corp.example"]']  # once each, 100 hosts


def test_write_reports_writes_the_chosen_formats(tmp_path) -> None:
    written = write_reports(sample(), tmp_path / "out", ["csv", "json"])
    assert written == [str(tmp_path / "out" / "compliance.csv"), str(tmp_path / "out" / "compliance.json")]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["compliance.csv", "compliance.json"]
    assert unknown_formats(["json", "pdf"]) == ["pdf"]
    assert sorted(FORMATS) == ["csv", "html", "json", "junit"]
