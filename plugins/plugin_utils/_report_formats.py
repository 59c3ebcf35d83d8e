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
    "owner_gpo_name",
    "owner_gpo_id",
    "owner",
    "held",
    "action",
)


def value_text(value: t.Any) -> str:
    """A setting's value in one line: strings as they are, null as empty, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class _Text(t.Protocol):
    def write(self, text: str, /) -> t.Any: ...


# Hosts per write: few enough to keep memory flat, enough for the writes not to count.
_BATCH = 500


def _batches(hosts: t.Sequence[t.Any]) -> t.Iterator[t.Sequence[t.Any]]:
    for start in range(0, len(hosts), _BATCH):
        yield hosts[start : start + _BATCH]


class _RowTexts:
    """A text made once per distinct setting row, as hosts share rows (``_report_model.RowDicts``).

    Kept by ``id(row)`` with the row itself, so an id is never reused while the cache lives.
    """

    def __init__(self, render: t.Callable[[t.Mapping[str, t.Any]], str]) -> None:
        self._render = render
        self._texts: dict[int, tuple[t.Any, str]] = {}

    def of(self, rows: t.Iterable[t.Mapping[str, t.Any]]) -> list[str]:
        """The text of each row, in order."""
        texts = []
        for row in rows:
            found = self._texts.get(id(row))
            if found is None:
                found = self._texts[id(row)] = (row, self._render(row))
            texts.append(found[1])
        return texts


def write_json(document: t.Mapping[str, t.Any], out: _Text) -> None:
    """The document as compact JSON, the same text ``json.dumps`` gives, written host by host.

    A host's setting rows are encoded once per distinct row (hosts share rows, see ``_report_model.RowDicts``) and
    spliced into the host's text: at 100,000 hosts x 20 settings that is most of the encoding saved.
    """
    # Compact: 5,000 hosts x 20 settings stay near 15 MB; `python -m json.tool` indents it for reading.
    out.write("{")
    for index, (key, value) in enumerate(document.items()):
        out.write(("," if index else "") + json.dumps(key) + ":")
        if key != "hosts":
            out.write(_compact(value))
            continue
        out.write("[")
        rows = _RowTexts(_compact)
        for number, batch in enumerate(_batches(value)):
            text = ",".join(_host_json(host, rows) for host in batch)
            out.write(("," if number and text else "") + text)
        out.write("]")
    out.write("}\n")


def _compact(value: t.Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _host_json(host: t.Any, rows: _RowTexts) -> str:
    """``_compact(host)``, with each of its setting rows encoded only the first time any host has it."""
    settings = host.get("settings") if isinstance(host, dict) else None
    if not isinstance(settings, list) or not settings:
        return _compact(host)
    texts = rows.of(settings)
    keys = list(host)
    at = keys.index("settings")
    head = _compact({key: host[key] for key in keys[:at]})[:-1]
    tail = _compact({key: host[key] for key in keys[at + 1 :]})[1:]
    return (
        head + ("," if at else "") + '"settings":[' + ",".join(texts) + "]" + ("," if at + 1 < len(keys) else "") + tail
    )


def to_json(document: t.Mapping[str, t.Any]) -> str:
    out = io.StringIO()
    write_json(document, out)
    return out.getvalue()


def _csv_line(cells: t.Sequence[str]) -> str:
    out = io.StringIO()
    # CRLF as RFC 4180 has it; it also makes Python 3.11 quote a field holding a bare CR (3.12+ always does).
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def write_csv(document: t.Mapping[str, t.Any], out: _Text) -> None:
    """One row per host and setting; a host without settings (unknown, not assessed) gets one row with its status.

    A report with a trend (``previous``) has one more column, ``trend``: the host's change since then.
    Every cell is neutralised: a value read from a host never becomes a spreadsheet formula. The cells of a
    setting row are rendered once per distinct row (hosts share rows, see ``_report_model.RowDicts``); a field is
    quoted on its own merits, so the pieces joined with commas are the line the csv module writes.
    """
    with_trend = "trend" in document
    out.write(_csv_line(CSV_COLUMNS + (("trend",) if with_trend else ())))
    middles = _RowTexts(lambda row: _csv_line(csv_row(_setting_cells(row)))[:-2])  # cells from surface to action
    for batch in _batches(document["hosts"]):
        lines = []
        for host in batch:
            end = "," + _csv_line(csv_row([host["trend"]["change"]])) if with_trend else "\r\n"
            if not host["settings"]:
                cells = [csv_cell(host["name"]), host["status"], "", "", "", "", "", "", "", "", "", ""]
                lines.append(_csv_line(cells + ([host["trend"]["change"]] if with_trend else [])))
                continue
            start = _csv_line(csv_row([host["name"], host["status"]]))[:-2] + ","
            # One join per host: every line is start + the row's cells + end.
            lines.append(start + (end + start).join(middles.of(host["settings"])) + end)
        out.write("".join(lines))


def _setting_cells(row: t.Mapping[str, t.Any]) -> list[str]:
    owner = row["owner"] or {}
    return [
        row["surface"],
        row["setting"],
        "true" if row["compliant"] else "false",
        value_text(row["current"]),
        value_text(row["desired"]),
        str(owner.get("gpo_name") or ""),
        str(owner.get("gpo_id") or ""),
        str(owner.get("owner") or ""),
        "true" if row.get("held") else "false",
        row["action"],
    ]


def to_csv(document: t.Mapping[str, t.Any]) -> str:
    out = io.StringIO()
    write_csv(document, out)
    return out.getvalue()


def owner_words(owner: t.Mapping[str, t.Any]) -> str:
    """Who owns a value, in a few words: the GPO's name, the MDM policy, the preference store."""
    kind = owner.get("owner", "group_policy")
    if kind == "group_policy":
        return f"Group Policy '{owner.get('gpo_name', '')}'"
    if kind == "group_policy_preferences":
        return f"a Group Policy Preferences item of GPO '{owner.get('gpo_name', '')}'"
    if kind == "mdm" and "nodes" in owner:
        return f"MDM (Network Proxy CSP {owner.get('csp', '')})"
    if kind == "mdm":
        return f"MDM policy {owner.get('csp') or owner.get('policy', '')}"
    return "the Defender preference store (Set-MpPreference)"


def _drift_message(row: t.Mapping[str, t.Any]) -> str:
    message = f"{row['setting']} is {value_text(row['current']) or 'not set'}, desired {value_text(row['desired'])}"
    if row.get("held"):
        # Not drift a run can fix: the owner would put it back; the owner must change it.
        return f"held: {message}; left as it is because {owner_words(row['owner'] or {})} sets it"
    if row["owner"]:
        message += f" (set by {owner_words(row['owner'])})"
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


def _serialized(element: ElementTree.Element) -> str:
    return ElementTree.tostring(element, encoding="unicode")


_CASE_START = '<testcase classname="'
_ATTRIBUTE_SPECIALS = frozenset('&<>"\r\n\t')


def _attribute(text: str) -> str:
    """``text`` as ElementTree writes it inside an attribute's quotes."""
    if _ATTRIBUTE_SPECIALS.isdisjoint(text):
        return text
    return _serialized(ElementTree.Element("x", v=text))[len('<x v="') : -len('" />')]


def _setting_case_rest(row: t.Mapping[str, t.Any]) -> str:
    """A setting's test case after its classname's value: the same for every host that shares the row."""
    holder = ElementTree.Element("testsuite")
    case = _testcase(holder, "", row["setting"])
    if not row["compliant"]:
        _outcome(case, "failure", _drift_message(row), body=True)
    return _serialized(case)[len(_CASE_START) :]


def write_junit(document: t.Mapping[str, t.Any], out: _Text) -> None:
    """One test case per host and setting (class = host): drift is a failure, an unknown host an error, a host
    not assessed a skipped case saying why; never a pass for a host nothing checked.

    The same XML ``xml.etree`` writes for the whole tree, written host by host: a setting's case is serialised
    once per distinct row and given each host's classname.
    """
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for host in document["hosts"]:
        settings = host["settings"]
        counts["tests"] += len(settings) + (host["status"] in ("unknown", "not_assessed"))
        counts["errors"] += host["status"] == "unknown"
        counts["skipped"] += host["status"] == "not_assessed"
        counts["failures"] += sum(1 for row in settings if not row["compliant"])
    attributes = {"name": "proxyfleet.windows compliance", **{key: str(value) for key, value in counts.items()}}
    root = ElementTree.Element("testsuites", attributes)
    suite = ElementTree.SubElement(root, "testsuite", attributes)
    suite.set("timestamp", xml_safe(str(document["run"].get("generated_at", ""))))
    root.text, suite.tail, suite.text = "\n", "\n", "\n"
    ElementTree.SubElement(suite, "cases")
    head, tail = (ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n").split("<cases />")
    out.write(head)
    rests = _RowTexts(_setting_case_rest)  # a row's case after its classname
    for batch in _batches(document["hosts"]):
        parts = []
        for host in batch:
            name = xml_safe(host["name"])
            if host["status"] in ("unknown", "not_assessed"):
                holder = ElementTree.Element("testsuite")
                case = _testcase(holder, name, "host")
                if host["status"] == "unknown":
                    reason = "; ".join(host["problems"]) or "no result from any proxyfleet.windows check"
                    _outcome(case, "error", reason)
                else:
                    _outcome(case, "skipped", f"not assessed: {host['not_assessed_reason']}")
                parts.append(_serialized(case))
            start = _CASE_START + _attribute(name)
            cases = rests.of(host["settings"])
            if cases:  # one join per host: every case is start + the row's case
                parts.append(start + start.join(cases))
        out.write("".join(parts))
    out.write(tail)


def to_junit(document: t.Mapping[str, t.Any]) -> str:
    out = io.StringIO()
    write_junit(document, out)
    return out.getvalue()


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
