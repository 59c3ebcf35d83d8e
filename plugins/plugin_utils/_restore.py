# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""On-host backups: decode them, and plan the changes that undo them exactly (internal use only).

Every apply writes the prior state of what it changes to ``HKLM\\SOFTWARE\\proxyfleet\\Backups\\<id>``
(layout: docs/dev/agent-protocol.md). Restoring backup ``<id>`` brings back the state from just
before that apply: it undoes that apply and every newer one, newest first, so that for each value
the oldest of those backups decides. Keys those applies created go again once they are empty.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)

BACKUP_ROOT = KeyAddress("HKLM", r"SOFTWARE\proxyfleet\Backups", 64)
# The same rule the agent applies to backup ids it writes.
MAX_BACKUP_ID = 64
BACKUP_ID_PATTERN = re.compile(rf"[0-9A-Za-z._-]{{1,{MAX_BACKUP_ID}}}\Z")
_VALUE_ACTIONS = ("set_value", "delete_value")
_KEY_ACTIONS = ("create_key", "delete_key")


class RestoreError(Exception):
    """A restore that cannot be done exactly; nothing was written."""


def backup_read_keys() -> list[KeyAddress]:
    """The addresses that read every backup and every change record in one ``read``."""
    return [BACKUP_ROOT, _child(BACKUP_ROOT, "*"), _child(_child(BACKUP_ROOT, "*"), "*")]


@dataclasses.dataclass(frozen=True)
class BackupItem:
    """One change record of a backup: where, what the apply did, and the state before it."""

    action: str
    address: KeyAddress
    name: str
    key_existed: bool
    prior: RegValue
    first_missing_key: str | None

    def describe(self) -> str:
        if self.action in _KEY_ACTIONS:
            return f"{self.address.describe()} ({self.action})"
        return f"{self.address.describe()} value {self.name or '(default)'} ({self.action})"


@dataclasses.dataclass(frozen=True)
class Backup:
    """A backup as read from the host. ``problem`` says why it cannot be restored exactly."""

    id: str
    created: str | None
    agent_version: str | None
    items: tuple[BackupItem, ...]
    problem: str | None = None

    def summary(self) -> dict[str, t.Any]:
        return {
            "id": self.id,
            "created": self.created,
            "agent_version": self.agent_version,
            "changes": [item.describe() for item in self.items],
            "restorable": self.problem is None,
            "problem": self.problem,
        }


def decode_backups(snapshot_entries: list[dict[str, t.Any]]) -> list[Backup]:
    """The backups in a read of :func:`backup_read_keys`, newest first."""
    root = BACKUP_ROOT.path.lower()
    heads: dict[str, dict[str, RegValue]] = {}
    records: dict[str, dict[str, dict[str, RegValue]]] = {}
    for entry in snapshot_entries:
        parts = entry["path"].split("\\")
        if entry["hive"].upper() != "HKLM" or "\\".join(parts[:3]).lower() != root or not entry.get("exists"):
            continue
        values = {value["name"].lower(): RegValue(True, value["type"], value["data"]) for value in entry["values"]}
        if len(parts) == 4:
            heads[parts[3]] = values
        elif len(parts) == 5:
            records.setdefault(parts[3], {})[parts[4]] = values
    # The host's Sequence orders backups (as the agent prunes), never the controllers' clocks in the ids;
    # backups of older agents (no Sequence) are older than any with one, by id.
    return [
        _backup(backup_id, heads[backup_id], records.get(backup_id, {}))
        for backup_id in sorted(heads, key=lambda name: (_sequence(heads[name]), name), reverse=True)
    ]


def _sequence(head: dict[str, RegValue]) -> int:
    value = head.get("sequence")
    return int(value.data) if value is not None and value.type == "dword" else 0


def _backup(backup_id: str, head: dict[str, RegValue], records: dict[str, dict[str, RegValue]]) -> Backup:
    created, version = _text(head.get("created")), _text(head.get("agentversion"))
    count = head.get("count")
    if count is None or count.type != "dword":
        return Backup(backup_id, created, version, (), "its Count value is missing: the backup was never completed")
    # Count comes from the host: compare it with the records read before building anything from it
    # (a Count of 0xFFFFFFFF once made a four-billion-item list).
    if count.data != len(records):
        names = ", ".join(sorted(records, key=_numeric)[:10]) + (", ..." if len(records) > 10 else "")
        problem = f"its Count says {count.data} change records but it holds {len(records)} ({names or 'none'})"
        return Backup(backup_id, created, version, (), problem)
    expected = [str(index) for index in range(len(records))]
    if sorted(records, key=_numeric) != expected:
        names = ", ".join(sorted(records, key=_numeric)[:10]) + (", ..." if len(records) > 10 else "")
        problem = f"its change records should be named 0..{len(records) - 1} but are {names}"
        return Backup(backup_id, created, version, (), problem)
    items: list[BackupItem] = []
    for index in expected:
        try:
            items.append(_item(records[index]))
        except ValueError as exc:
            return Backup(backup_id, created, version, tuple(items), f"change record {index}: {exc}")
    return Backup(backup_id, created, version, tuple(items))


def _item(values: dict[str, RegValue]) -> BackupItem:
    hive, path, name, action = (_text(values.get(field)) for field in ("hive", "path", "name", "action"))
    view = values.get("view")
    key_existed, value_existed = values.get("keyexisted"), values.get("valueexisted")
    if hive != "HKLM" or not path or name is None or action not in (*_VALUE_ACTIONS, *_KEY_ACTIONS):
        raise ValueError(f"unexpected record (hive {hive!r}, path {path!r}, name {name!r}, action {action!r})")
    if view is None or view.data not in (64, 32) or key_existed is None or value_existed is None:
        raise ValueError("the View, KeyExisted or ValueExisted value is missing or invalid")
    prior = values.get("data", RegValue.missing()) if value_existed.data else RegValue.missing()
    if value_existed.data and not prior.exists:
        raise ValueError("the value existed but its prior Data is missing")
    return BackupItem(
        action,
        KeyAddress("HKLM", path, int(view.data)),
        name,
        bool(key_existed.data),
        prior,
        _text(values.get("firstmissingkey")),
    )


def select(backups: list[Backup], backup_id: str | None) -> list[Backup]:
    """The backups a restore of ``backup_id`` (None: the newest) undoes, newest first."""
    if not backups:
        raise RestoreError("the host has no proxyfleet backups (HKLM\\SOFTWARE\\proxyfleet\\Backups is empty)")
    ids = [backup.id for backup in backups]
    wanted = backup_id or ids[0]
    if wanted not in ids:
        raise RestoreError(f"backup_id {wanted} is not on the host; its backups are, newest first: {', '.join(ids)}")
    chosen = backups[: ids.index(wanted) + 1]
    for backup in chosen:
        if backup.problem:
            raise RestoreError(f"backup {backup.id} cannot be restored exactly: {backup.problem}; nothing was written")
    return chosen


@dataclasses.dataclass(frozen=True)
class _KeyPlan:
    address: KeyAddress
    existed: bool
    first_missing_key: str | None


def keys_to_read(chosen: list[Backup]) -> list[KeyAddress]:
    """Every key a restore of ``chosen`` must see: the recorded keys and the parents it may remove."""
    addresses: dict[tuple[str, str, int], KeyAddress] = {}
    for backup in chosen:
        for item in backup.items:
            for address in (item.address, *_created_parents(item.address, item.first_missing_key)):
                addresses.setdefault(address.lookup, address)
    return list(addresses.values())


def plan_restore(chosen: list[Backup], snapshot: RegistrySnapshot) -> list[Change]:
    """The changes that put back the state from before the oldest of ``chosen``.

    Walking from the newest backup to the oldest, the oldest record of each value and key wins.
    """
    values: dict[tuple[tuple[str, str, int], str], BackupItem] = {}
    keys: dict[tuple[str, str, int], _KeyPlan] = {}
    for backup in chosen:
        for item in reversed(backup.items):
            if item.action in _VALUE_ACTIONS:
                values[(item.address.lookup, item.name.lower())] = item
            existed = item.key_existed or item.action == "delete_key"
            keys[item.address.lookup] = _KeyPlan(item.address, existed, item.first_missing_key)
    changes = [Change.create_key(k.address) for k in keys.values() if k.existed and not snapshot.key(k.address).exists]
    changes += _value_changes(values.values(), snapshot)
    after = snapshot.overlay((c.address, c.name, c.result) for c in changes if not c.is_key_change)
    changes += _key_removals([k for k in keys.values() if not k.existed], after)
    return changes


def _value_changes(items: t.Iterable[BackupItem], snapshot: RegistrySnapshot) -> list[Change]:
    changes: list[Change] = []
    for item in items:
        current = snapshot.value(item.address, item.name)
        if _same(current, item.prior):
            continue
        if item.prior.exists:
            changes.append(Change("set_value", item.address, item.name, expect=current, value=item.prior))
        else:
            changes.append(Change("delete_value", item.address, item.name, expect=current))
    return changes


def _key_removals(created: list[_KeyPlan], after: RegistrySnapshot) -> list[Change]:
    """Delete the keys the undone applies created, deepest first, where nothing else lives in them."""
    removed: set[tuple[str, str, int]] = set()
    candidates: dict[tuple[str, str, int], KeyAddress] = {}
    for plan in created:
        for address in (plan.address, *_created_parents(plan.address, plan.first_missing_key)):
            candidates.setdefault(address.lookup, address)
    changes: list[Change] = []
    for address in sorted(candidates.values(), key=lambda a: a.path.count("\\"), reverse=True):
        state = after.key(address)
        remaining = [name for name in state.subkeys if _child(address, name).lookup not in removed]
        if state.exists and not state.values and not remaining:
            changes.append(Change.delete_key(address))
            removed.add(address.lookup)
    return changes


def _created_parents(address: KeyAddress, first_missing_key: str | None) -> list[KeyAddress]:
    """The parents of ``address`` up to and including ``first_missing_key``, when that is a parent."""
    if not first_missing_key:
        return []
    parts, top = address.path.split("\\"), first_missing_key.split("\\")
    if [p.lower() for p in parts[: len(top)]] != [p.lower() for p in top] or len(top) >= len(parts):
        return []
    return [KeyAddress(address.hive, "\\".join(parts[:depth]), address.view) for depth in range(len(top), len(parts))]


def _child(address: KeyAddress, name: str) -> KeyAddress:
    return KeyAddress(address.hive, f"{address.path}\\{name}", address.view)


def _same(current: RegValue, prior: RegValue) -> bool:
    if not current.exists or not prior.exists:
        return current.exists == prior.exists
    return (current.type, current.data) == (prior.type, prior.data)


def _text(value: RegValue | None) -> str | None:
    return str(value.data) if value is not None and value.exists and value.type == "string" else None


def _numeric(name: str) -> tuple[int, str]:
    return (int(name), name) if name.isdigit() else (1 << 30, name)
