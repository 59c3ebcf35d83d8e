# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every proxy surface provides, and how any set of them is checked and fixed (internal use only).

A surface (WinHTTP, WinINET, telemetry, Defender, Delivery Optimization) knows its registry
locations, how to turn what it reads into meaning, and what to write to reach the desired state.
This module runs any number of them on one host in one read and at most one write, which is what
single modules and proxy_baseline share.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._created_keys import CREATED_KEYS, bookkeeping
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._gpo import Owner, owners, rsop_operations
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._owners import (
    GUARDED,
    MDM,
    Ownership,
    SettingOwner,
    gpp_operation,
    owner_keys,
    ownership,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    read_operation,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry_task import apply_changes


class Surface(t.Protocol):
    """One proxy surface bound to the state the user asked for."""

    name: str
    title: str

    def registry_keys(self) -> list[KeyAddress]:
        """Every registry key the surface reads."""

    def describe(self, snapshot: RegistrySnapshot) -> dict[str, t.Any]:
        """The surface's settings as found in ``snapshot``, in its own terms (not bytes)."""

    def drift(self, snapshot: RegistrySnapshot) -> list[dict[str, t.Any]]:
        """Every setting that differs from the desired state: ``{setting, current, desired}``."""

    def plan(self, snapshot: RegistrySnapshot) -> list[Change]:
        """The writes that reach the desired state, each expecting the value as read."""

    def warnings(self, snapshot: RegistrySnapshot) -> list[str]:
        """Things the user should know that are not drift (unreadable values, deprecated modes)."""


@dataclasses.dataclass(frozen=True)
class HostState:
    """What :func:`converge_state` read, and the registry as the task leaves it.

    ``read`` is the registry read's answer (wildcard keys included), ``owned`` the values Group Policy
    sets, ``now`` the host's registry after the task: as read when nothing was written (check mode
    included: nothing was), else the read overlaid with the agent's read-back of what it wrote;
    ``ownership`` the winning owner of every managed value some store sets, ``gpp`` the answer of the
    Group Policy Preferences query, ``extra`` the answers of the caller's ``extra_operations``.
    """

    read: dict[str, t.Any]
    owned: dict[tuple[str, str], Owner]
    now: RegistrySnapshot
    ownership: Ownership
    gpp: dict[str, t.Any]
    extra: tuple[dict[str, t.Any], ...] = ()


def converge(
    session: HostSession,
    surfaces: list[Surface],
    *,
    check_mode: bool,
    diff: bool,
    override_owner: t.Mapping[str, t.Collection[str]] | None = None,
) -> dict[str, t.Any]:
    """Check every surface with one read; write everything that differs with one apply.

    Values Group Policy, MDM or Group Policy Preferences set are held (left alone, reported in ``held``)
    unless ``override_owner[<surface name>]`` names their owner (see :func:`_hold_owned`). Returns the
    per-surface results (``surfaces``), the combined ``drift`` and ``held``, ``changed``, ``backup_id``,
    ``warnings`` and, when ``diff`` is set, the ``diff`` list.
    """
    outcome, _state = converge_state(session, surfaces, check_mode=check_mode, diff=diff, override_owner=override_owner)
    return outcome


def converge_state(
    session: HostSession,
    surfaces: list[Surface],
    *,
    check_mode: bool,
    diff: bool,
    override_owner: t.Mapping[str, t.Collection[str]] | None = None,
    extra_keys: t.Sequence[KeyAddress] = (),
    extra_operations: t.Sequence[dict[str, t.Any]] = (),
) -> tuple[dict[str, t.Any], HostState]:
    """:func:`converge`, also reading ``extra_keys`` and running the read-only ``extra_operations`` in the same host
    command; returns the host's state too.

    proxy_baseline builds the proxy_facts picture from the state, so a role needs no second read.
    """
    surface_keys = (key for surface in surfaces for key in surface.registry_keys())
    keys = list(dict.fromkeys([*surface_keys, CREATED_KEYS, *owner_keys(), *extra_keys]))
    # The Resultant Set of Policy, the MDM store and the preference items travel in the same host command
    # as the registry read.
    read, settings, gpos, gpp, *extra = session.run(
        [read_operation(keys), *rsop_operations(), gpp_operation(), *extra_operations]
    )
    before = RegistrySnapshot.from_read_result(read)
    owned = owners(settings, gpos)
    owning = ownership(read, before, owned, gpp)
    overrides = override_owner or {}
    held: set[str] = set()
    # Surfaces are planned in order, each against the state the earlier ones will leave, so a
    # surface whose desired state derives from another (WinHTTP source=wininet) follows this
    # task's WinINET settings, not the old ones.
    planning = before
    plans: dict[str, list[Change]] = {}
    drifts: dict[str, list[dict[str, t.Any]]] = {}
    warnings: list[str] = []
    for surface in surfaces:
        drifts[surface.name] = reads_differently(surface.drift(planning))
        # With several surfaces in one task, say which one a warning is about.
        prefix = f"{surface.name}: " if len(surfaces) > 1 else ""
        warnings += [prefix + warning for warning in surface.warnings(planning)]
        plans[surface.name], notes = _hold_owned(
            surface.plan(planning), drifts[surface.name], owning, set(overrides.get(surface.name, ())), held
        )
        warnings += [prefix + note for note in notes]
        planning = planning.overlay((change.address, change.name, change.result) for change in plans[surface.name])
    changes = [change for surface in surfaces for change in plans[surface.name]]
    changes += bookkeeping(before, planning, changes)
    backup_id = None
    after = planning  # in check mode: the state the write would leave
    now = before
    if changes and not check_mode:
        backup_id, written = apply_changes(session, changes)
        after = now = before.overlay(written)
        leftover = [
            item
            for surface in surfaces
            for item in reads_differently(surface.drift(after))
            if item["setting"] not in held
        ]
        if leftover:
            raise AgentError(f"the host reads back values that still differ after writing: {leftover}", backup_id)
    results: dict[str, dict[str, t.Any]] = {}
    for surface in surfaces:
        described = surface.describe(before)
        results[surface.name] = {
            "changed": bool(plans[surface.name]),
            "before": described,
            "after": surface.describe(after),
            # Held values are not drift: Windows would put them back (docs/owners.md).
            "drift": [item for item in drifts[surface.name] if not item.get("held")],
            "held": [item for item in drifts[surface.name] if item.get("held")],
            "owners": {f"{surface.name}.{key}": owning.of(f"{surface.name}.{key}").as_dict() for key in described},
        }
    outcome: dict[str, t.Any] = {
        "changed": bool(changes),
        "surfaces": results,
        "drift": [item for surface in surfaces for item in results[surface.name]["drift"]],
        "held": [item for surface in surfaces for item in results[surface.name]["held"]],
        "backup_id": backup_id,
        "warnings": warnings,
    }
    if diff:
        outcome["diff"] = [
            {
                "before_header": surface.title,
                "after_header": surface.title,
                "before": render(results[surface.name]["before"]),
                "after": render(results[surface.name]["after"]),
            }
            for surface in surfaces
            if plans[surface.name]
        ]
    return outcome, HostState(read, owned, now, owning, gpp, tuple(extra))


def reads_differently(drift: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """The drift entries whose current and desired values read differently.

    A surface compares by meaning and should never report an entry whose two sides read the same; if one
    does, a user would see drift that shows no difference. This guard drops such entries for every
    surface (tests/unit/plugins/plugin_utils/test_drift_guard.py checks the surfaces never need it).
    """
    return [item for item in drift if item.get("current") != item.get("desired")]


def _hold_owned(
    changes: list[Change],
    drift: list[dict[str, t.Any]],
    owning: Ownership,
    override: set[str],
    held: set[str],
) -> tuple[list[Change], list[str]]:
    """Keep the values Group Policy, MDM or Group Policy Preferences set, unless ``override`` names the owner.

    Such a value comes back at the next policy refresh or MDM sync (or, written as policy, silently beats the
    MDM profile): changing it only hides the drift for a while and fights whoever owns it. So its change is
    dropped and its drift entries are marked ``held`` (``held`` collects their settings), with a warning
    naming the owner, the policy and what to change instead. Every drift entry carries its ``owner``.
    """
    for item in drift:
        item.update(owning.of(item["setting"]).as_dict())
    # A setting the MDM store already gives the desired value needs no write and is no drift: Windows takes
    # the MDM value (no Group Policy sets it, or MDMWinsOverGP).
    delivered = {
        item["setting"]
        for item in drift
        if item.get("owner") == MDM
        and item.get("effective") == item["desired"]
        # A policy value written by hand beats the MDM one unless MDMWinsOverGP (docs/owners.md).
        and (item["current"] is None or item.get("mdm_wins_over_gp"))
    }
    drift[:] = [item for item in drift if item["setting"] not in delivered]
    held.update(delivered)
    kept: list[Change] = []
    # One note per owned setting and outcome; the Network Proxy CSP's WinINET values (blobs and flat values, in two
    # views) are one thing to change at their source, so they make one note, naming every setting and value.
    groups: dict[tuple[str, bool], tuple[SettingOwner, list[str], list[str]]] = {}
    for change in changes:
        owner = owning.of_value(change.address.path, change.name, change.address.view)
        if owner is not None and owner.setting in delivered:
            continue
        if owner is None or owner.owner not in GUARDED:
            kept.append(change)
            continue
        written = owner.owner in override
        if written:
            kept.append(change)
        else:
            for item in drift:
                if _belongs(item["setting"], owner):
                    item["held"] = True
                    held.add(item["setting"])
        group = groups.setdefault(
            (owner.describe() if owner.network_proxy else owner.setting, written), (owner, [], [])
        )
        if owner.setting not in group[1]:
            group[1].append(owner.setting)
        view = " (32-bit view)" if change.address.view == 32 else ""
        group[2].append(f"{change.address.hive}\\{change.address.path}\\{change.name}{view}")
    return kept, [
        _owner_note(owner, settings, values, written) for (_key, written), (owner, settings, values) in groups.items()
    ]


def _owner_note(owner: SettingOwner, settings: list[str], values: list[str], written: bool) -> str:
    """The warning about owned values: written because override_owner names the owner, or left as they are."""
    several = len(values) > 1
    where = f"{_joined(settings)} {'are' if len(settings) > 1 else 'is'} owned by {owner.describe()}"
    if written:
        return f"{where}; {_joined(values)} written because override_owner names {owner.owner}, but {owner.why_held()}"
    return (
        f"{where}; {_joined(values)} {'are left as they are' if several else 'is left as it is'}: {owner.why_held()}. "
        f"To change {'them' if several else 'it'}, {owner.remedy()}, or name {owner.owner} in override_owner to "
        f"write {'them' if several else 'it'} anyway"
    )


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _belongs(setting: str, owner: SettingOwner) -> bool:
    return setting == owner.setting or setting.startswith(owner.setting + ".")


def render(data: t.Any, indent: int = 0) -> str:
    """A small, stable YAML-like rendering for diff mode: readable, never hex."""
    pad = "  " * indent
    if isinstance(data, dict):
        lines = []
        for key, value in data.items():
            if isinstance(value, (dict, list)) and value:
                lines.append(f"{pad}{key}:\n{render(value, indent + 1)}")
            else:
                lines.append(f"{pad}{key}: {_scalar(value)}")
        return "\n".join(lines) + ("\n" if indent == 0 else "")
    if isinstance(data, list):
        return "\n".join(f"{pad}- {_scalar(item)}" for item in data)
    return f"{pad}{_scalar(data)}"


def _scalar(value: t.Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    return str(value)
