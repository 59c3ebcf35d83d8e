# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report model: task results in, one document per run out (internal use only).

The ``compliance_report`` callback and the ``compliance_summary`` filter feed it task results; it knows
nothing about Ansible objects, so it is unit tested with plain dicts. The document it builds is the
``compliance.json`` schema (docs/reports.md, docs/schemas/compliance-report-1.schema.json).

A result belongs to the report when its action is in the collection's namespace and it carries the
keys every module of the collection returns: ``drift`` (one surface), ``surfaces`` (several, as
proxy_baseline returns them) or ``findings`` (proxy_facts and the checks). New modules that return
those shapes are recognised without being listed here.
"""

from __future__ import annotations

import dataclasses
import typing as t

NAMESPACE = "proxyfleet.windows."
SCHEMA = "proxyfleet.windows/compliance-report"
SCHEMA_VERSION = 1
STATUSES = ("compliant", "drifted", "unknown")
SEVERITIES = ("high", "medium", "low")
# A single-surface module is named after its surface plus one of these; used only when its result
# has no drift to take the surface name from.
_MODULE_SUFFIXES = ("_proxy", "_policy")


def is_collection_action(action: str | None) -> bool:
    """Whether a resolved action name is a module of this collection (FQCN, after redirects)."""
    return bool(action) and str(action).startswith(NAMESPACE)


def carries_report_data(result: t.Mapping[str, t.Any]) -> bool:
    """Whether a result has drift, several surfaces or findings in the shapes the modules return them."""
    return (
        isinstance(result.get("drift"), list)
        or isinstance(result.get("surfaces"), dict)
        or isinstance(_findings_of(result), list)
    )


def _findings_of(result: t.Mapping[str, t.Any]) -> t.Any:
    if "findings" in result:
        return result["findings"]
    facts = result.get("ansible_facts")
    if isinstance(facts, dict) and isinstance(facts.get("windows_proxy"), dict):
        return facts["windows_proxy"].get("findings")
    return None


def _gpo_rows_of(result: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
    facts = result.get("ansible_facts")
    if isinstance(facts, dict) and isinstance(facts.get("windows_proxy"), dict):
        rows = facts["windows_proxy"].get("gpo")
        if isinstance(rows, list):
            return [row for row in rows if isinstance(row, dict)]
    return []


def surface_of_module(action: str) -> str:
    """``proxyfleet.windows.telemetry_proxy`` -> ``telemetry``: the surface a single-surface module checks."""
    name = action.rsplit(".", 1)[-1]
    for suffix in _MODULE_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


@dataclasses.dataclass(slots=True)
class SettingRow:
    """One setting of one host: what it is, what it should be, whether that is so, who owns it."""

    setting: str
    surface: str
    current: t.Any
    desired: t.Any
    compliant: bool
    owner: dict[str, str] | None
    action: str

    def as_dict(self) -> dict[str, t.Any]:
        # Not dataclasses.asdict: it rebuilds containers by calling their type, which templating types refuse
        # (and it is slow at 100,000 rows).
        return {
            "setting": self.setting,
            "surface": self.surface,
            "current": self.current,
            "desired": self.desired,
            "compliant": self.compliant,
            "owner": self.owner,
            "action": self.action,
        }


def plain(value: t.Any) -> t.Any:
    """A copy made of plain dicts, lists and scalars (registered variables arrive in templating containers)."""
    if isinstance(value, t.Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


@dataclasses.dataclass
class HostReport:
    """Everything the run learnt about one host."""

    name: str
    # surface -> setting -> row; a later result of a surface replaces the surface's rows as a whole.
    by_surface: dict[str, dict[str, SettingRow]] = dataclasses.field(default_factory=dict)
    findings: dict[str, list[dict[str, t.Any]]] = dataclasses.field(default_factory=dict)  # by action
    owners: dict[str, dict[str, t.Any]] = dataclasses.field(default_factory=dict)  # by setting
    problems: list[str] = dataclasses.field(default_factory=list)
    unreachable: bool = False
    host_commands: int = 0

    @property
    def status(self) -> str:
        """``unknown`` when a check failed or the host was unreachable (never compliant by default)."""
        if self.unreachable or self.problems or not (self.by_surface or self.findings):
            return "unknown"
        if any(not row.compliant for row in self.rows()):
            return "drifted"
        return "compliant"

    def rows(self) -> list[SettingRow]:
        return [row for rows in self.by_surface.values() for row in rows.values()]

    def all_findings(self) -> list[dict[str, t.Any]]:
        return [finding for found in self.findings.values() for finding in found]

    def as_dict(self) -> dict[str, t.Any]:
        rows = sorted(self.rows(), key=lambda row: (row.compliant, row.setting))
        return {
            "name": self.name,
            "status": self.status,
            "unreachable": self.unreachable,
            "problems": list(self.problems),
            "host_commands": self.host_commands,
            "surfaces": sorted(self.by_surface),
            "settings": [row.as_dict() for row in rows],
            "findings": self.all_findings(),
            "owners": [self.owners[setting] for setting in sorted(self.owners)],
        }


class ComplianceReport:
    """Task results of a run, host by host; later results of a surface replace earlier ones."""

    def __init__(self) -> None:
        self.hosts: dict[str, HostReport] = {}

    def host(self, name: str) -> HostReport:
        if name not in self.hosts:
            self.hosts[name] = HostReport(name)
        return self.hosts[name]

    def add_result(self, host: str, action: str, result: t.Mapping[str, t.Any]) -> bool:
        """Take one successful task result; return whether it was one of the collection's checks."""
        if not is_collection_action(action) or not carries_report_data(result):
            return False
        report = self.host(host)
        report.host_commands += int(result.get("host_commands") or 0)
        surfaces = result.get("surfaces")
        if isinstance(surfaces, dict):
            for name, surface_result in surfaces.items():
                if isinstance(surface_result, dict):
                    self._add_surface(report, str(name), action, surface_result)
        elif isinstance(result.get("drift"), list):
            self._add_surface(report, self._single_surface_name(action, result["drift"]), action, result)
        findings = _findings_of(result)
        if isinstance(findings, list):
            report.findings[action] = [finding for finding in findings if isinstance(finding, dict)]
        for row in _gpo_rows_of(result):
            self._add_owner(report, row)
        return True

    def add_registered(self, host: str, registered: t.Any, action: str = NAMESPACE + "registered") -> None:
        """Take what a task registered (a result, or a loop's ``results``); no result at all is unknown."""
        registered = plain(registered)
        if not isinstance(registered, dict):
            self.add_failure(host, action, "no result registered (unreachable, or the task did not run)")
            return
        for result in registered.get("results") or [registered]:
            if not isinstance(result, dict):
                continue
            if result.get("unreachable") or result.get("failed"):
                message = str(result.get("msg") or "no message")
                self.add_failure(host, action, message, unreachable=bool(result.get("unreachable")))
            elif not result.get("skipped"):
                self.add_result(host, action, result)

    def add_failure(self, host: str, action: str, message: str, *, unreachable: bool = False) -> None:
        """A task that could not check the host: the host is unknown, with the reason."""
        report = self.host(host)
        report.unreachable = report.unreachable or unreachable
        what = "unreachable" if unreachable else "failed"
        problem = f"{action} {what}: {message}".strip()
        if problem not in report.problems:  # a failed loop reports each item and then the task
            report.problems.append(problem)

    @staticmethod
    def _single_surface_name(action: str, drift: list[t.Any]) -> str:
        for item in drift:
            if isinstance(item, dict) and "." in str(item.get("setting", "")):
                return str(item["setting"]).split(".", 1)[0]
        return surface_of_module(action)

    def _add_surface(self, report: HostReport, surface: str, action: str, result: t.Mapping[str, t.Any]) -> None:
        rows = report.by_surface[surface] = {}
        drift = [item for item in result.get("drift") or [] if isinstance(item, dict) and "setting" in item]
        for item in drift:
            setting = str(item["setting"])
            owner = item.get("owner") if isinstance(item.get("owner"), dict) else None
            rows[setting] = SettingRow(setting, surface, item.get("current"), item.get("desired"), False, owner, action)
            if owner:
                report.owners.setdefault(setting, {"setting": setting, **owner})
        drifted = list(rows)
        before, after = result.get("before"), result.get("after")
        if not isinstance(before, dict):
            return
        after = after if isinstance(after, dict) else before
        # The modules name a drifting setting <surface>.<key>[.<deeper>]; a top-level key of `before`
        # nothing drifts under is compliant and reported under the same kind of name.
        drifting = {name.split(".", 2)[1] for name in drifted if name.startswith(surface + ".") and "." in name}
        for key, current in before.items():
            setting = f"{surface}.{key}"
            if setting in rows or str(key) in drifting:
                continue
            rows[setting] = SettingRow(setting, surface, current, after.get(key, current), True, None, action)

    @staticmethod
    def _add_owner(report: HostReport, row: dict[str, t.Any]) -> None:
        setting = str(row.get("setting", ""))
        if setting:
            report.owners[setting] = {
                "setting": setting,
                "gpo_name": str(row.get("gpo_name") or ""),
                "gpo_id": str(row.get("gpo_id") or ""),
                **({"key": str(row["key"])} if row.get("key") else {}),
                **({"value": str(row["value"])} if row.get("value") else {}),
            }

    def owner_of(self, report: HostReport, setting: str) -> dict[str, t.Any] | None:
        """The GPO that sets a setting (or the value group it belongs to), if one does."""
        for name, owner in report.owners.items():
            if setting == name or setting.startswith(name + "."):
                return owner
        return None

    def document(self, run: dict[str, t.Any]) -> dict[str, t.Any]:
        """The compliance.json document: run metadata, totals, per-surface counts and every host."""
        hosts = []
        for name in sorted(self.hosts):
            report = self.hosts[name]
            for row in report.rows() if report.owners else ():
                if row.owner is None:
                    owner = self.owner_of(report, row.setting)
                    if owner is not None:
                        row.owner = {"gpo_name": owner["gpo_name"], "gpo_id": owner["gpo_id"]}
            hosts.append(report.as_dict())
        return {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "run": run,
            "totals": totals(hosts),
            "surfaces": surface_totals(hosts),
            "hosts": hosts,
        }


def totals(hosts: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """Hosts by status, settings by compliance, findings by severity."""
    counts = dict.fromkeys(STATUSES, 0)
    severities = dict.fromkeys(SEVERITIES, 0)
    settings = compliant = 0
    for host in hosts:
        counts[host["status"]] += 1
        settings += len(host["settings"])
        compliant += sum(1 for row in host["settings"] if row["compliant"])
        for finding in host["findings"]:
            severity = finding.get("severity")
            if severity in severities:
                severities[severity] += 1
    return {
        "hosts": len(hosts),
        **counts,
        "settings": settings,
        "settings_compliant": compliant,
        "settings_drifted": settings - compliant,
        "findings": severities,
        "hosts_with_findings": sum(1 for host in hosts if host["findings"]),
        "gpo_owned_settings": sum(1 for host in hosts for row in host["settings"] if row["owner"]),
    }


def surface_totals(hosts: list[dict[str, t.Any]]) -> dict[str, dict[str, int]]:
    """Per surface: hosts checked, hosts where every setting of it is compliant, hosts where one drifts."""
    found: dict[str, dict[str, int]] = {}
    for host in hosts:
        drifting = {row["surface"] for row in host["settings"] if not row["compliant"]}
        for surface in host["surfaces"]:
            counts = found.setdefault(surface, {"hosts": 0, "compliant": 0, "drifted": 0})
            counts["hosts"] += 1
            counts["drifted" if surface in drifting else "compliant"] += 1
    return dict(sorted(found.items()))


def stats_summary(document: t.Mapping[str, t.Any], limit: int = 100) -> dict[str, t.Any]:
    """The small summary a workflow branches on (set_stats data): counts and the first drifted/unknown hosts."""
    hosts = document["hosts"]
    return {
        "schema_version": document["schema_version"],
        **{key: document["totals"][key] for key in ("hosts", *STATUSES)},
        "compliant_percent": round(100.0 * document["totals"]["compliant"] / len(hosts), 1) if hosts else 100.0,
        "drifted_hosts": [host["name"] for host in hosts if host["status"] == "drifted"][:limit],
        "unknown_hosts": [host["name"] for host in hosts if host["status"] == "unknown"][:limit],
        "surfaces": document["surfaces"],
    }
