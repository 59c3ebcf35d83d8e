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
from xml.sax.saxutils import escape, quoteattr

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import STATUSES

CSV_COLUMNS = (
    "host",
    "status",
    "surface",
    "setting",
    "compliant",
    "current",
    "desired",
    "owner_gpo_name",
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
    """One row per host and setting; a host without settings (unknown) gets one row with its status only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for host in document["hosts"]:
        if not host["settings"]:
            writer.writerow([host["name"], host["status"], "", "", "", "", "", "", "", ""])
        for row in host["settings"]:
            owner = row["owner"] or {}
            writer.writerow(
                [
                    host["name"],
                    host["status"],
                    row["surface"],
                    row["setting"],
                    "true" if row["compliant"] else "false",
                    value_text(row["current"]),
                    value_text(row["desired"]),
                    owner.get("gpo_name", ""),
                    owner.get("gpo_id", ""),
                    row["action"],
                ]
            )
    return out.getvalue()


def _testcase(classname: str, name: str, body: str = "") -> str:
    head = f"<testcase classname={quoteattr(classname)} name={quoteattr(name)}"
    return f"{head}>{body}</testcase>" if body else f"{head}/>"


def _drift_message(row: t.Mapping[str, t.Any]) -> str:
    message = f"{row['setting']} is {value_text(row['current']) or 'not set'}, desired {value_text(row['desired'])}"
    if row["owner"]:
        message += f" (set by Group Policy '{row['owner'].get('gpo_name', '')}')"
    return message


def to_junit(document: t.Mapping[str, t.Any]) -> str:
    """One test case per host and setting (class = host); drift is a failure, an unknown host an error."""
    cases: list[str] = []
    failures = errors = 0
    for host in document["hosts"]:
        if host["status"] == "unknown":
            errors += 1
            reason = "; ".join(host["problems"]) or "no result from any proxyfleet.windows check"
            cases.append(_testcase(host["name"], "host", f"<error message={quoteattr(reason)}/>"))
        for row in host["settings"]:
            if row["compliant"]:
                cases.append(_testcase(host["name"], row["setting"]))
                continue
            failures += 1
            message = _drift_message(row)
            cases.append(
                _testcase(
                    host["name"], row["setting"], f"<failure message={quoteattr(message)}>{escape(message)}</failure>"
                )
            )
    attributes = f'name="proxyfleet.windows compliance" tests="{len(cases)}" failures="{failures}" errors="{errors}"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<testsuites {attributes}>\n<testsuite {attributes} "
        f"timestamp={quoteattr(str(document['run'].get('generated_at', '')))}>\n"
        + "\n".join(cases)
        + "\n</testsuite>\n</testsuites>\n"
    )


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
    lines += [f"written: {path}" for path in written]
    return "\n".join(lines)
