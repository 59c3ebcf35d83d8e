# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed since an earlier compliance report, per host and for the fleet (internal use only).

Rules (docs/reports.md, "Trends"): a host's ``change`` is

- ``newly_unreachable``: unreachable now, not unreachable then (or not in the earlier report);
- ``newly_drifted``: drifted now, not drifted then (compliant, unknown, not assessed or absent);
- ``still_drifted``: drifted now and then;
- ``fixed``: drifted then, compliant now (checked, not merely silent);
- ``new_host``: not in the earlier report and not one of the above;
- ``unchanged``: anything else (same status, or a change between unknown and not assessed).

Findings are compared by (id, surface) only when neither report has the host ``unknown``: a host that could
not be read has not resolved its findings.
"""

from __future__ import annotations

import typing as t

CHANGES = ("newly_drifted", "fixed", "still_drifted", "newly_unreachable", "new_host", "unchanged")
_Finding = tuple[str, str]


def _finding_keys(host: t.Mapping[str, t.Any]) -> set[_Finding]:
    return {(str(finding.get("id")), str(finding.get("surface"))) for finding in host["findings"]}


def host_change(now: t.Mapping[str, t.Any], then: t.Mapping[str, t.Any] | None) -> str:
    """The ``change`` of one host (rules in the module docstring)."""
    before = then["status"] if then is not None else None
    if now["unreachable"] and not (then is not None and then["unreachable"]):
        return "newly_unreachable"
    if now["status"] == "drifted":
        return "still_drifted" if before == "drifted" else "newly_drifted"
    if now["status"] == "compliant" and before == "drifted":
        return "fixed"
    return "new_host" if then is None else "unchanged"


def host_trend(now: t.Mapping[str, t.Any], then: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    """``hosts[].trend``: the change, the earlier status and the findings that came and went."""
    compared = then is not None and "unknown" not in (now["status"], then["status"])
    new: list[_Finding] = []
    resolved: list[_Finding] = []
    if compared and then is not None:
        current, earlier = _finding_keys(now), _finding_keys(then)
        new, resolved = sorted(current - earlier), sorted(earlier - current)
    elif then is None and now["status"] != "unknown":
        new = sorted(_finding_keys(now))
    return {
        "change": host_change(now, then),
        "previous_status": then["status"] if then is not None else None,
        "findings_compared": compared or (then is None and now["status"] != "unknown"),
        "new_findings": [{"id": key[0], "surface": key[1]} for key in new],
        "resolved_findings": [{"id": key[0], "surface": key[1]} for key in resolved],
    }


def add_trend(document: dict[str, t.Any], previous: t.Mapping[str, t.Any], previous_name: str) -> None:
    """Give ``document`` (a report being written) ``hosts[].trend`` and the fleet's ``trend`` against ``previous``.

    ``previous`` is a document ``_report_load.read_report`` checked; ``previous_name`` says where it came from.
    """
    earlier = {host["name"]: host for host in previous["hosts"]}
    counts = dict.fromkeys(CHANGES, 0)
    new_findings = resolved_findings = 0
    for host in document["hosts"]:
        trend = host["trend"] = host_trend(host, earlier.get(host["name"]))
        counts[trend["change"]] += 1
        new_findings += len(trend["new_findings"])
        resolved_findings += len(trend["resolved_findings"])
    current = {host["name"] for host in document["hosts"]}
    document["trend"] = {
        "previous": {
            "file": previous_name,
            "generated_at": str(previous["run"].get("generated_at") or ""),
            "schema_version": previous["schema_version"],
            "hosts": len(previous["hosts"]),
        },
        **counts,
        "new_findings": new_findings,
        "resolved_findings": resolved_findings,
        "removed_hosts": sum(1 for name in earlier if name not in current),
    }


def trend_summary(document: t.Mapping[str, t.Any], limit: int) -> dict[str, t.Any]:
    """The fleet trend and the first hosts of each change that needs attention, for set_stats."""
    trend = document["trend"]
    hosts = document["hosts"]
    return {
        **{key: trend[key] for key in (*CHANGES, "new_findings", "resolved_findings", "removed_hosts")},
        "previous_generated_at": trend["previous"]["generated_at"],
        **{
            f"{change}_hosts": [host["name"] for host in hosts if host["trend"]["change"] == change][:limit]
            for change in ("newly_drifted", "fixed", "newly_unreachable")
        },
    }
