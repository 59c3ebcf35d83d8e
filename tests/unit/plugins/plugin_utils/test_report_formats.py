"""compliance.json, .junit.xml, .csv, .html and the console summary, from one small document."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _report_formats, _report_html, _report_text
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_files import (
    FORMATS,
    parse_mode,
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
    report.expect("silent-host", "Compliance check")
    return report.document(RUN)


SILENT_REASON = (
    "no proxyfleet.windows task ran on it in 'Compliance check' "
    "(no role or task applied to it, or the play ended before it got there)"
)


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
            "group_policy",
            "false",
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
            "",
            "false",
            "proxyfleet.windows.telemetry_proxy",
        ],
        ["gone-host", "unknown", "", "", "", "", "", "", "", "", "", ""],
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
            "",
            "false",
            "proxyfleet.windows.defender_proxy",
        ],
        ["silent-host", "not_assessed", "", "", "", "", "", "", "", "", "", ""],
    ]


def test_junit_failures_for_drift_errors_for_unknown_skipped_for_not_assessed() -> None:
    root = ElementTree.fromstring(_report_formats.to_junit(sample()))
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("5", "1", "1", "1")
    cases = [(case.get("classname"), case.get("name"), [child.tag for child in case]) for case in root.iter("testcase")]
    assert cases == [
        ("drifted-host", "telemetry.proxy", ["failure"]),
        ("drifted-host", "telemetry.disable_enterprise_auth_proxy", []),
        ("gone-host", "host", ["error"]),
        ("ok-host", "defender.bypass", []),
        ("silent-host", "host", ["skipped"]),
    ]
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == (
        f"telemetry.proxy is {EVIL}, desired proxy.corp.example:8080 (set by Group Policy 'Contoso MDE proxy')"
    )
    error = root.find(".//error")
    assert error is not None
    assert error.get("message") == "proxyfleet.windows.proxy_facts unreachable: connection refused"
    skipped = root.find(".//skipped")
    assert skipped is not None
    assert skipped.get("message") == f"not assessed: {SILENT_REASON}"


def test_console_summary() -> None:
    text = _report_formats.console_summary(sample(), ["/r/compliance.json"])
    assert text.splitlines() == [
        "COMPLIANCE REPORT (proxyfleet.windows)",
        "hosts                          4",
        "  compliant                    1",
        "  drifted                      1",
        "  unknown                      1",
        "  not_assessed                 1",
        "findings                       0  high 0 medium 0 low 0",
        "surface                    hosts  compliant  drifted",
        "  defender                     1          1        0",
        "  telemetry                    1          0        1",
        "not assessed (no setting checked, not compliant):",
        f"  silent-host: {SILENT_REASON}",
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
    assert [expanded(parsed, host)[:8] for host in parsed["hosts"]] == [
        ["drifted-host", 1, 1, 2, 0, 0, 1, ""],
        ["gone-host", 2, 0, 0, 0, 0, 0, "proxyfleet.windows.proxy_facts unreachable: connection refused"],
        ["ok-host", 0, 0, 1, 0, 0, 0, ""],
        ["silent-host", 3, 0, 0, 0, 0, 0, SILENT_REASON],
    ]
    [evil_row] = [
        row for row in expanded(parsed, parsed["hosts"][0])[8] if parsed["strings"][row[0]] == "telemetry.proxy"
    ]
    assert parsed["strings"][evil_row[2]] == EVIL
    assert parsed["strings"][evil_row[5]] == "Group Policy 'Contoso MDE proxy'"


def expanded(data: dict, host: list) -> list:
    """A host of the page's data as the page's script expands it (the columns it shows, then its rows)."""
    rows = [data["rows"][index] for index in data["row_sets"][host[3]]]
    found, owners = data["finding_sets"][host[4]], data["owner_sets"][host[5]]
    high = sum(1 for finding in found if data["strings"][finding[1]] == "high")
    drifted = sum(1 for row in rows if not row[4])
    return [host[0], host[1], drifted, len(rows), len(found), high, len(owners), data["strings"][host[2]], rows]


def test_html_interns_repeated_strings() -> None:
    document = sample()
    hosts = document["hosts"]
    assert isinstance(hosts, list)
    document["hosts"] = [dict(hosts[2], name=f"ok-{number}") for number in range(100)]
    data = _report_html.page_data(document)
    # Once each for 100 hosts: the strings (and "", no problem), the row, the hosts' list of rows.
    assert data["strings"] == ["defender.bypass", "defender", '["<local>","*.corp.example"]', ""]
    assert (data["rows"], data["row_sets"]) == ([[0, 1, 2, 2, 1, -1, 0]], [[0]])
    assert {host[3] for host in data["hosts"]} == {0}


def test_write_reports_writes_the_chosen_formats_for_the_owner_only(tmp_path) -> None:
    written = write_reports(sample(), tmp_path / "out", ["csv", "json"])
    assert written == [str(tmp_path / "out" / "compliance.csv"), str(tmp_path / "out" / "compliance.json")]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["compliance.csv", "compliance.json"]
    assert {stat.S_IMODE(Path(path).stat().st_mode) for path in written} == {0o600}
    assert unknown_formats(["json", "pdf"]) == ["pdf"]
    assert sorted(FORMATS) == ["csv", "html", "json", "junit"]


def test_write_reports_uses_the_report_mode_and_title(tmp_path) -> None:
    written = write_reports(sample(), tmp_path, ["html", "junit"], title="Contoso proxies", mode=parse_mode("0640"))
    assert {stat.S_IMODE(Path(path).stat().st_mode) for path in written} == {0o640}
    assert "<title>Contoso proxies</title>" in Path(written[0]).read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "mode"), [("0600", 0o600), ("640", 0o640), ("0644", 0o644), (" 0660 ", 0o660)])
def test_report_mode_accepts_octal_modes(text: str, mode: int) -> None:
    assert parse_mode(text) == mode


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rw-------", "report_mode must be an octal file mode such as 0600 or 0640, got 'rw-------'"),
        ("0800", "report_mode must be an octal file mode such as 0600 or 0640, got '0800'"),
        ("", "report_mode must be an octal file mode such as 0600 or 0640, got ''"),
        (
            416,  # YAML 1.1 reads an unquoted 0640 as 416
            "report_mode 416 does not let the owner read and write the files; "
            "give an octal mode such as 0600 or 0640, quoted in YAML",
        ),
        (
            "0444",
            "report_mode 0444 does not let the owner read and write the files; "
            "give an octal mode such as 0600 or 0640, quoted in YAML",
        ),
    ],
)
def test_report_mode_refuses_other_forms(text: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_mode(text)
    assert str(caught.value) == message


def test_html_title_is_rendered_once_as_text() -> None:
    # One pass: a title that looks like a placeholder or a template stays that text, and the data island
    # appears once (a chain of str.replace would have put the data into the title).
    title = "{{ data }} @@DATA@@ {% raw %} <b>"
    page = _report_html.to_html(sample(), title=title)
    assert "<title>{{ data }} @@DATA@@ {% raw %} &lt;b&gt;</title>" in page
    assert "<h1>{{ data }} @@DATA@@ {% raw %} &lt;b&gt;</h1>" in page
    assert page.count('"strings":') == 1


HOSTILE = {
    "formula": '=HYPERLINK("http://evil.example")',
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(A1)",
    "tab": "\tproxy:8080",
    "cr": "\rproxy:8080",
    "control": "proxy\x00\x1b[31m:8080\x08",
    "surrogate": "proxy\udc80:8080",
    "newline": "p:80\r\n=1+1\rx",
    "credentials": "http://svc-proxy:S3cret!pw@proxy.corp.example:8080",
    "scheme_list": "http=alice:hunter2@p1:80;https=bob:pa@ss@p2:443",
}


def hostile_document() -> dict[str, object]:
    report = ComplianceReport()
    report.add_result(
        "=cmd|' /C calc'!A0",
        "proxyfleet.windows.telemetry_proxy",
        {
            "before": dict(HOSTILE),
            "after": dict(HOSTILE),
            "drift": [
                {"setting": f"telemetry.{key}", "current": value, "desired": "p:8080"} for key, value in HOSTILE.items()
            ],
        },
    )
    report.add_failure("broken", "proxyfleet.windows.proxy_facts", "agent said \x07 for http://u:topsecret@p:80")
    return report.document(RUN)


def test_csv_cells_never_start_a_formula() -> None:
    rows = list(csv.reader(io.StringIO(_report_formats.to_csv(hostile_document()), newline="")))
    current = {row[3]: row[5] for row in rows[1:] if row[3]}
    assert current["telemetry.formula"] == '\'=HYPERLINK("http://evil.example")'
    assert current["telemetry.plus"] == "'+1+1"
    assert current["telemetry.minus"] == "'-2+3"
    assert current["telemetry.at"] == "'@SUM(A1)"
    assert current["telemetry.tab"] == "'\tproxy:8080"
    assert current["telemetry.cr"] == "'\rproxy:8080"
    assert current["telemetry.newline"] == "p:80\r\n=1+1\rx"  # one cell: line breaks inside it do not split the row
    assert len(rows) == 1 + len(HOSTILE) + 1  # header, one row per setting, the failed host
    assert {row[0] for row in rows[1:]} == {"'=cmd|' /C calc'!A0", "broken"}
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


def test_junit_of_hostile_values_is_well_formed_xml() -> None:
    text = _report_formats.to_junit(hostile_document())
    root = ElementTree.fromstring(text)  # one host's control characters must not break the fleet's report
    messages = {case.get("name"): case[0].get("message") for case in root.iter("testcase") if len(case)}
    assert messages["telemetry.control"] == "telemetry.control is proxy\\x00\\x1b[31m:8080\\x08, desired p:8080"
    assert messages["telemetry.surrogate"] == "telemetry.surrogate is proxy\\udc80:8080, desired p:8080"
    assert messages["host"] == "proxyfleet.windows.proxy_facts failed: agent said \\x07 for http://***@p:80"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == (
        str(len(HOSTILE) + 1),
        str(len(HOSTILE)),
        "1",
    )


@pytest.mark.parametrize("name", ["json", "junit", "csv", "html"])
def test_credentials_are_redacted_in_every_format(name: str) -> None:
    out = io.StringIO()
    FORMATS[name][1](hostile_document(), "t", out)
    text = out.getvalue()
    for secret in ("S3cret", "hunter2", "pa@ss", "topsecret", "svc-proxy", "alice"):
        assert secret not in text, (name, secret)
    assert "http://***@proxy.corp.example:8080" in text.replace("\\u003c", "<")


@pytest.mark.parametrize(
    ("value", "redacted"),
    [
        ("http://user:secret@proxy:8080", "http://***@proxy:8080"),
        ("user:pw@proxy.corp.example:8080", "***@proxy.corp.example:8080"),
        ("http=u:p@a:80;https=v:q@b:443", "http=***@a:80;https=***@b:443"),
        ("https://u:p@ss@h/x", "https://***@h/x"),
        ("proxy.corp.example:8080", "proxy.corp.example:8080"),
        ("[fe80::1]:8080", "[fe80::1]:8080"),
        ("admin@corp.example", "admin@corp.example"),
        ("http://h/path/a:b@c", "http://h/path/a:b@c"),
    ],
)
def test_redact(value: str, redacted: str) -> None:
    assert _report_text.redact(value) == redacted


def test_hostile_values_are_written_to_every_file(tmp_path) -> None:
    # A lone surrogate (JSON from a host may carry "\udc80") cannot be encoded as UTF-8: it is written escaped
    # instead of failing the whole report.
    written = write_reports(hostile_document(), tmp_path, list(FORMATS))
    assert len(written) == 4
    document = json.loads((tmp_path / "compliance.json").read_text(encoding="utf-8"))
    assert document["hosts"][0]["settings"]
    ElementTree.parse(tmp_path / "compliance.junit.xml")
    with (tmp_path / "compliance.csv").open(encoding="utf-8", newline="") as stream:
        [surrogate] = [row for row in csv.reader(stream) if row[3] == "telemetry.surrogate"]
    assert surrogate[5] == "proxy\\udc80:8080"
    page = (tmp_path / "compliance.html").read_text(encoding="utf-8")
    data = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "proxy\udc80:8080" in json.loads(data)["strings"]


def held_document() -> dict[str, object]:
    """A host whose DO download mode Intune sets: held, with its owner, in every format."""
    owner = {
        "owner": "mdm",
        "area": "DeliveryOptimization",
        "policy": "DODownloadMode",
        "csp": "./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode",
    }
    held = {"setting": "delivery_optimization.download_mode", "current": None, "desired": "lan", **owner, "held": True}
    report = ComplianceReport()
    report.add_result(
        "mdm-host",
        "proxyfleet.windows.delivery_optimization_policy",
        {"changed": False, "before": {"download_mode": None}, "drift": [], "held": [held], "host_commands": 1},
    )
    return report.document(RUN)


def test_a_held_setting_is_marked_held_with_its_owner_in_every_format() -> None:
    document = held_document()
    [_header, row] = list(csv.reader(io.StringIO(_report_formats.to_csv(document))))
    assert dict(zip(_report_formats.CSV_COLUMNS, row, strict=True)) == {
        "host": "mdm-host",
        "status": "drifted",
        "surface": "delivery_optimization",
        "setting": "delivery_optimization.download_mode",
        "compliant": "false",
        "current": "",
        "desired": "lan",
        "owner_gpo_name": "",
        "owner_gpo_id": "",
        "owner": "mdm",
        "held": "true",
        "action": "proxyfleet.windows.delivery_optimization_policy",
    }
    junit = ElementTree.fromstring(_report_formats.to_junit(document))
    [failure] = junit.iter("failure")
    assert failure.get("message") == (
        "held: delivery_optimization.download_mode is not set, desired lan; left as it is because MDM policy "
        "./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode sets it"
    )
    page = _report_html.to_html(document)
    data = json.loads(page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0])
    [held_row] = data["rows"]
    assert held_row[6] == 1 and data["strings"][held_row[5]].startswith("MDM policy ./Device/Vendor/MSFT")
    # The page shows it as "held" in the (purple) s2 style, never the green s0.
    assert 'r[6] ? el("td", "held", "s2")' in page


def test_json_with_rows_encoded_once_is_the_text_json_dumps_gives() -> None:
    row = {"setting": "s", "current": ["<local>", "\u00e9"], "desired": None, "compliant": False}
    hosts = [
        {"name": "a", "status": "drifted", "settings": [row, row, dict(row)], "findings": [{"m": "\u2028"}]},
        {"settings": [row], "name": "settings-first"},
        {"name": "settings-last", "settings": [row]},
        {"name": "no-settings", "settings": []},
        {"name": "no-settings-key"},
    ]
    document = {"schema": "x", "run": {"generated_at": "t"}, "hosts": hosts * 600}
    expected = json.dumps(document, separators=(",", ":")) + "\n"
    assert _report_formats.to_json(document) == expected
