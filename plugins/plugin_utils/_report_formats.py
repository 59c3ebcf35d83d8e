# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compliance.json, compliance.junit.xml, compliance.csv and the console summary (internal use only).

Each writer takes the document ``_report_model.ComplianceReport.document`` builds and returns text; the
callback decides where it goes. The HTML page is ``_report_html``.
"""

from __future__ import annotations

import csv
import io
import json
import typing as t
from xml.etree import ElementTree

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import STATUSES
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_text import csv_cell, csv_row, xml_safe

CSV_COLUMNS = (
    "host",
    "status",
    "surface",
    "setting",
    "compliant",
    "current",
    "desired",
    "owner_gpo",
    "owner_gpo_id",
    "action",
)


def value_text(value: t.Any) -> str:
    """A setting's value in one line: strings as they are, null as empty, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def to_json(document: t.Mapping[str, t.Any]) -> str:
    # Compact: 5,000 hosts x 20 settings stay near 15 MB; `python -m json.tool` indents it for reading.
    return json.dumps(document, separators=(",", ":"), default=str) + "\n"


def to_csv(document: t.Mapping[str, t.Any]) -> str:
    """One row per host and setting; a host without settings (unknown, not assessed) gets one row with its status.

    A report with a trend (``previous``) has one more column, ``trend``: the host's change since then.
    Every cell is neutralised: a value read from a host never becomes a spreadsheet formula.
    """
    out = io.StringIO()
    # CRLF as RFC 4180 has it; it also makes Python 3.11 quote a field holding a bare CR (3.12+ always does).
    writer = csv.writer(out, lineterminator="\r\n")
    with_trend = "trend" in document
    writer.writerow(CSV_COLUMNS + (("trend",) if with_trend else ()))
    for host in document["hosts"]:
        extra = [host["trend"]["change"]] if with_trend else []
        if not host["settings"]:
            writer.writerow([csv_cell(host["name"]), host["status"], "", "", "", "", "", "", "", "", *extra])
        for row in host["settings"]:
            owner = row["owner"] or {}
            cells = [
                host["name"],
                host["status"],
                row["surface"],
                row["setting"],
                "true" if row["compliant"] else "false",
                value_text(row["current"]),
                value_text(row["desired"]),
                str(owner.get("gpo") or ""),
                str(owner.get("gpo_id") or ""),
                row["action"],
                *extra,
            ]
            writer.writerow(csv_row(cells))
    return out.getvalue()


def _drift_message(row: t.Mapping[str, t.Any]) -> str:
    message = f"{row['setting']} is {value_text(row['current']) or 'not set'}, desired {value_text(row['desired'])}"
    if row["owner"]:
        message += f" (set by Group Policy '{row['owner'].get('gpo', '')}')"
    return message


def _testcase(suite: ElementTree.Element, classname: str, name: str) -> ElementTree.Element:
    """A test case on a line of its own; ``classname`` is already XML-safe (one host, many cases)."""
    case = ElementTree.SubElement(suite, "testcase", {"classname": classname, "name": xml_safe(name)})
    case.tail = "\n"
    return case


def _outcome(case: ElementTree.Element, tag: str, message: str, body: bool = False) -> None:
    outcome = ElementTree.SubElement(case, tag, message=xml_safe(message))
    if body:
        outcome.text = xml_safe(message)


def to_junit(document: t.Mapping[str, t.Any]) -> str:
    """One test case per host and setting (class = host): drift is a failure, an unknown host an error, a host
    not assessed a skipped case saying why; never a pass for a host nothing checked."""
    root = ElementTree.Element("testsuites")
    suite = ElementTree.SubElement(root, "testsuite")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suite.text = "\n"
    for host in document["hosts"]:
        name = xml_safe(host["name"])
        if host["status"] == "unknown":
            counts["errors"] += 1
            reason = "; ".join(host["problems"]) or "no result from any proxyfleet.windows check"
            _outcome(_testcase(suite, name, "host"), "error", reason)
        elif host["status"] == "not_assessed":
            counts["skipped"] += 1
            _outcome(_testcase(suite, name, "host"), "skipped", f"not assessed: {host['not_assessed_reason']}")
        for row in host["settings"]:
            case = _testcase(suite, name, row["setting"])
            if not row["compliant"]:
                counts["failures"] += 1
                _outcome(case, "failure", _drift_message(row), body=True)
    counts["tests"] = len(suite)
    attributes = {"name": "proxyfleet.windows compliance", **{key: str(value) for key, value in counts.items()}}
    root.attrib.update(attributes)
    suite.attrib.update(attributes, timestamp=xml_safe(str(document["run"].get("generated_at", ""))))
    root.text, suite.tail = "\n", "\n"
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def console_summary(document: t.Mapping[str, t.Any], written: t.Sequence[str] = ()) -> str:
    """A short table for the end of the run: hosts by status, then each surface."""
    totals = document["totals"]
    lines = ["COMPLIANCE REPORT (proxyfleet.windows)"]
    lines.append(f"{'hosts':<24}{totals['hosts']:>8}")
    lines += [f"  {status:<22}{totals[status]:>8}" for status in STATUSES]
    findings = totals["findings"]
    lines.append(
        f"{'findings':<24}{sum(findings.values()):>8}  "
        + " ".join(f"{severity} {count}" for severity, count in findings.items())
    )
    if document["surfaces"]:
        lines.append(f"{'surface':<24}{'hosts':>8}{'compliant':>11}{'drifted':>9}")
        for surface, counts in document["surfaces"].items():
            lines.append(f"  {surface:<22}{counts['hosts']:>8}{counts['compliant']:>11}{counts['drifted']:>9}")
    lines += _trend_lines(document)
    lines += _not_assessed_lines(document["hosts"])
    lines += [f"written: {path}" for path in written]
    return "\n".join(lines)


def _trend_lines(document: t.Mapping[str, t.Any]) -> list[str]:
    trend = document.get("trend")
    if not trend:
        return []
    previous = trend["previous"]
    return [
        f"since {previous['generated_at'] or previous['file']}: newly drifted {trend['newly_drifted']}, "
        f"fixed {trend['fixed']}, still drifted {trend['still_drifted']}, newly unreachable "
        f"{trend['newly_unreachable']}, new findings {trend['new_findings']}, resolved findings "
        f"{trend['resolved_findings']}, new hosts {trend['new_host']}, removed hosts {trend['removed_hosts']}"
    ]


def _not_assessed_lines(hosts: t.Sequence[t.Mapping[str, t.Any]], limit: int = 20) -> list[str]:
    """Each host nothing checked, and why: the console must not let a silent host pass unseen."""
    found = [host for host in hosts if host["status"] == "not_assessed"]
    if not found:
        return []
    lines = ["not assessed (no setting checked, not compliant):"]
    lines += [f"  {host['name']}: {host['not_assessed_reason']}" for host in found[:limit]]
    if len(found) > limit:
        lines.append(f"  and {len(found) - limit} more (compliance.json lists them all)")
    return lines
