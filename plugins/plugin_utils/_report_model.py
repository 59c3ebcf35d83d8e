# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report model: task results in, one document per run out (internal use only).

The ``compliance_report`` callback and the ``compliance_summary`` filter feed it task results; it knows
nothing about Ansible objects, so it is unit tested with plain dicts. The document it builds is the
``compliance.json`` schema (docs/reports.md, docs/schemas/compliance-report-4.schema.json).

A result belongs to the report when its action is in the collection's namespace and it carries the
keys every module of the collection returns: ``drift`` (one surface), ``surfaces`` (several, as
proxy_baseline returns them) or ``findings`` (proxy_facts and the checks). New modules that return
those shapes are recognised without being listed here.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import gc
import json
import typing as t
from collections.abc import Mapping

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_text import redact_values

NAMESPACE = "proxyfleet.windows."
SCHEMA = "proxyfleet.windows/compliance-report"
# 2: status not_assessed, totals.not_assessed and hosts[].not_assessed_reason (a host where no setting was
# checked used to be "unknown", or "compliant" when a check returned findings only).
# 3: hosts[].trend and trend (what changed since the report given as `previous`), run.slices (the slices a
# merged report was made of); both only when they apply.
# 4: settings[].held (a value its owner would put back, left alone: never compliant), settings[].owner and
# owners[] carry ``owner`` (group_policy, mdm, group_policy_preferences, preference) with its details,
# totals.owned_settings and totals.settings_held. Versions 1 to 3 stay readable (_report_load).
SCHEMA_VERSION = 4
# The owners whose values a GPO sets (totals.gpo_owned_settings counts their rows).
GPO_OWNERS = ("group_policy", "group_policy_preferences")
STATUSES = ("compliant", "drifted", "unknown", "not_assessed")
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


def _owner_map_of(result: t.Mapping[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    """The owners (other than local) a proxy_facts-shaped result names: ``windows_proxy.owners`` by setting."""
    facts = result.get("ansible_facts")
    found = facts.get("windows_proxy", {}).get("owners") if isinstance(facts, dict) else None
    if not isinstance(found, dict):
        return {}
    return {
        str(setting): {str(key): value for key, value in owner.items() if key != "effective"}
        for setting, owner in found.items()
        if isinstance(owner, dict) and isinstance(owner.get("owner"), str) and owner["owner"] != "local"
    }


# Keys of a drift entry that are not the owner's details (``effective`` is a value, and values stay in current).
_ITEM_KEYS = frozenset({"setting", "current", "desired", "held", "owner", "effective"})


def owner_of_item(item: t.Mapping[str, t.Any]) -> dict[str, t.Any] | None:
    """The owner a drift or held entry carries: ``owner`` with its details beside it; None for local or none.

    Results of this collection before owners were added carried ``owner: {gpo_name, gpo_id}`` (Group Policy).
    """
    owner = item.get("owner")
    if isinstance(owner, dict):
        return {"owner": "group_policy", **{str(key): value for key, value in owner.items()}}
    if not isinstance(owner, str) or owner == "local":
        return None
    return {"owner": owner, **{str(key): value for key, value in item.items() if key not in _ITEM_KEYS}}


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
    owner: dict[str, t.Any] | None
    action: str
    # Left alone because its owner (Group Policy, MDM, a preference item) would put it back: never compliant.
    held: bool = False

    def as_dict(self) -> dict[str, t.Any]:
        # Not dataclasses.asdict: it rebuilds containers by calling their type, which templating types refuse
        # (and it is slow at 100,000 rows).
        return {
            "setting": self.setting,
            "surface": self.surface,
            # Credentials in a proxy or URL value (user:password@) never reach a report file.
            "current": redact_values(self.current),
            "desired": redact_values(self.desired),
            "compliant": self.compliant,
            "owner": self.owner,
            "action": self.action,
            "held": self.held,
        }


def plain(value: t.Any) -> t.Any:
    """A copy made of plain dicts, lists and scalars (registered variables arrive in templating containers)."""
    if isinstance(value, Mapping):
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
    # Why no setting may have been checked: plays that targeted the host, tasks of the collection that ran
    # on it without checking a setting, tasks skipped on it, reasons given by the caller.
    plays: list[str] = dataclasses.field(default_factory=list)
    ran: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def status(self) -> str:
        """``unknown`` when a check failed or the host was unreachable, ``not_assessed`` when no setting was
        checked (findings alone are not an assessment); never compliant by default."""
        if self.unreachable or self.problems:
            return "unknown"
        rows = self.rows()
        if not rows:
            return "not_assessed"
        if any(not row.compliant for row in rows):
            return "drifted"
        return "compliant"

    def not_assessed_reason(self) -> str:
        """Why no setting of the host was checked, in the words of what the run did there."""
        if self.findings:
            return f"no setting was checked, only findings ({', '.join(sorted(self.findings))})"
        if self.ran:
            return f"no setting was checked: {', '.join(_unique(self.ran))} ran but checks no setting"
        if self.skipped:
            return f"every proxyfleet.windows task on it was skipped ({', '.join(_unique(self.skipped))})"
        if self.notes:
            return "; ".join(self.notes)
        plays = ", ".join(f"'{play}'" for play in _unique(self.plays)) or "this run"
        return (
            f"no proxyfleet.windows task ran on it in {plays} "
            "(no role or task applied to it, or the play ended before it got there)"
        )

    def rows(self) -> list[SettingRow]:
        return [row for rows in self.by_surface.values() for row in rows.values()]

    def all_findings(self) -> list[dict[str, t.Any]]:
        return [finding for found in self.findings.values() for finding in found]

    def as_dict(self, row_dict: t.Callable[[SettingRow], dict[str, t.Any]] = SettingRow.as_dict) -> dict[str, t.Any]:
        """The host in the report's shape; ``row_dict`` turns a row into its dict (shared ones: ``RowDicts``)."""
        rows = sorted(self.rows(), key=lambda row: (row.compliant, row.setting))
        return {
            "name": self.name,
            "status": self.status,
            "unreachable": self.unreachable,
            "problems": redact_values(self.problems),
            "not_assessed_reason": self.not_assessed_reason() if self.status == "not_assessed" else "",
            "host_commands": self.host_commands,
            "surfaces": sorted(self.by_surface),
            "settings": [row_dict(row) for row in rows],
            "findings": redact_values(self.all_findings()),
            "owners": redact_values([self.owners[setting] for setting in sorted(self.owners)]),
        }


def frozen_value(value: t.Any) -> t.Any:
    """A hashable stand-in for a setting value that tells 1, True and "1" apart (and is cheap for the usual ones)."""
    kind = value.__class__
    if value is None or kind in (str, int, float, bool):
        return (kind, value)
    if kind is list and all(item.__class__ is str for item in value):
        return (list, tuple(value))  # a bypass list
    return ("json", json.dumps(value, sort_keys=True, default=str))


@contextlib.contextmanager
def no_cyclic_gc() -> t.Iterator[None]:
    """Build a report without Python's cyclic garbage collector.

    A report is millions of dicts, lists and strings without a reference cycle among them; each full collection
    walks all of them again and costs a 100,000-host report about a third of its time. Reference counting frees
    them as always; the collector is back on when the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class RowDicts:
    """Setting rows as dicts, one shared dict for equal rows of different hosts.

    A fleet's hosts mostly have the same settings with the same values: 100,000 hosts x 20 settings are then a
    few thousand distinct rows, and sharing them keeps the document (and every writer's pass over it) small.
    The dicts are never changed after they are made; nothing may change a row of a document in place.
    """

    def __init__(self) -> None:
        self.made: dict[tuple[t.Any, ...], dict[str, t.Any]] = {}

    def __call__(self, row: SettingRow) -> dict[str, t.Any]:
        owner = None if row.owner is None else frozen_value(row.owner)
        key = (
            row.setting,
            row.surface,
            frozen_value(row.current),
            frozen_value(row.desired),
            row.compliant,
            owner,
            row.action,
            row.held,
        )
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = row.as_dict()
        return found


class ComplianceReport:
    """Task results of a run, host by host; later results of a surface replace earlier ones."""

    def __init__(self) -> None:
        self.hosts: dict[str, HostReport] = {}

    def host(self, name: str) -> HostReport:
        if name not in self.hosts:
            self.hosts[name] = HostReport(name)
        return self.hosts[name]

    def expect(self, host: str, play: str) -> None:
        """A host a play of the run targets: reported even if no task ever reaches it."""
        report = self.host(host)
        if play not in report.plays:
            report.plays.append(play)

    def add_skipped(self, host: str, action: str) -> None:
        """A task of the collection skipped on the host (``when``, check-mode guards, a loop of nothing)."""
        if is_collection_action(action):
            self.host(host).skipped.append(action)

    def add_note(self, host: str, reason: str) -> None:
        """Why the caller could not find a result for the host (e.g. nothing registered)."""
        report = self.host(host)
        if reason not in report.notes:
            report.notes.append(reason)

    def add_result(self, host: str, action: str, result: t.Mapping[str, t.Any]) -> bool:
        """Take one successful task result; return whether it was one of the collection's checks."""
        if not is_collection_action(action):
            return False
        if not carries_report_data(result):
            self.host(host).ran.append(action)  # restart_service, proxy_restore: ran, but checked nothing
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
        # The owner map names the winning owner (MDM over a GPO with MDMWinsOverGP); the GPO rows name every GPO value.
        for setting, owner in _owner_map_of(result).items():
            report.owners[setting] = {"setting": setting, **owner}
        return True

    def add_registered(self, host: str, registered: t.Any, action: str = NAMESPACE + "registered") -> None:
        """Take what a task registered (a result, or a loop's ``results``); nothing registered is not assessed."""
        registered = plain(registered)
        if not isinstance(registered, dict):
            # ansible-core registers failed, unreachable and skipped results too: the task never ran here.
            self.add_note(host, "nothing registered: the check task did not run on it")
            return
        for result in registered.get("results") or [registered]:
            if not isinstance(result, dict):
                continue
            if result.get("unreachable") or result.get("failed"):
                message = str(result.get("msg") or "no message")
                self.add_failure(host, action, message, unreachable=bool(result.get("unreachable")))
            elif result.get("skipped"):
                self.add_note(host, "the check task was skipped on it")
            else:
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
        held = [item for item in result.get("held") or [] if isinstance(item, dict) and "setting" in item]
        drift = [item for item in result.get("drift") or [] if isinstance(item, dict) and "setting" in item]
        for is_held, item in [*((False, item) for item in drift), *((True, item) for item in held)]:
            setting = str(item["setting"])
            owner = owner_of_item(item)
            rows[setting] = SettingRow(
                setting, surface, item.get("current"), item.get("desired"), False, owner, action, is_held
            )
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
                "owner": "group_policy",
                "gpo_name": str(row.get("gpo_name") or ""),
                "gpo_id": str(row.get("gpo_id") or ""),
                **({"key": str(row["key"])} if row.get("key") else {}),
                **({"value": str(row["value"])} if row.get("value") else {}),
            }

    def owner_of(self, report: HostReport, setting: str) -> dict[str, t.Any] | None:
        """The owner of a setting (or of the value group it belongs to), if one is known."""
        for name, owner in report.owners.items():
            if setting == name or setting.startswith(name + "."):
                return owner
        return None

    def document(self, run: dict[str, t.Any]) -> dict[str, t.Any]:
        """The compliance.json document: run metadata, totals, per-surface counts and every host."""
        hosts = []
        row_dicts = RowDicts()
        for name in sorted(self.hosts):
            report = self.hosts[name]
            for row in report.rows() if report.owners else ():
                if row.owner is None:
                    owner = self.owner_of(report, row.setting)
                    if owner is not None:
                        row.owner = {key: value for key, value in owner.items() if key != "setting"}
            hosts.append(report.as_dict(row_dicts))
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
    # Hosts share their setting rows (RowDicts, and read_report's shared rows): each distinct row is looked at
    # once and counted as often as hosts hold it; the counting runs in C (Counter over ids, dict.update).
    occurrences: collections.Counter[int] = collections.Counter()
    distinct: dict[int, t.Mapping[str, t.Any]] = {}
    with_findings = 0
    for host in hosts:
        counts[host["status"]] += 1
        rows = host["settings"]
        occurrences.update(map(id, rows))
        distinct.update(zip(map(id, rows), rows, strict=True))
        with_findings += bool(host["findings"])
        for finding in host["findings"]:
            severity = finding.get("severity")
            if severity in severities:
                severities[severity] += 1
    settings = compliant = gpo_owned = owned = held = 0
    for key, row in distinct.items():
        times = occurrences[key]
        settings += times
        owner = row["owner"]
        compliant += times if row["compliant"] else 0
        gpo_owned += times if (owner or {}).get("owner") in GPO_OWNERS else 0
        owned += times if owner else 0
        held += times if row["held"] else 0
    return {
        "hosts": len(hosts),
        **counts,
        "settings": settings,
        "settings_compliant": compliant,
        "settings_drifted": settings - compliant,
        "findings": severities,
        "hosts_with_findings": with_findings,
        "gpo_owned_settings": gpo_owned,
        "owned_settings": owned,
        "settings_held": held,
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
    """The small summary a workflow branches on (set_stats data): counts and the first hosts of each bad status."""
    hosts = document["hosts"]
    return {
        "schema_version": document["schema_version"],
        **{key: document["totals"][key] for key in ("hosts", *STATUSES)},
        "compliant_percent": round(100.0 * document["totals"]["compliant"] / len(hosts), 1) if hosts else 100.0,
        "drifted_hosts": [host["name"] for host in hosts if host["status"] == "drifted"][:limit],
        "unknown_hosts": [host["name"] for host in hosts if host["status"] == "unknown"][:limit],
        "not_assessed_hosts": [host["name"] for host in hosts if host["status"] == "not_assessed"][:limit],
        "surfaces": document["surfaces"],
    }


def _unique(names: t.Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))
