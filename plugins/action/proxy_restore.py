# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.proxy_restore: list on-host backups, or undo applies exactly."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_restore import RESTORE_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._created_keys import CREATED_KEYS
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import PICTURE_KEYS, USER_KEYS
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    read_operation,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry_task import apply_changes
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._restore import (
    BACKUP_ID_PATTERN,
    RestoreError,
    backup_read_keys,
    decode_backups,
    keys_to_read,
    plan_restore,
    select,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import render
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import (
    TaskInputError,
)

FQCN = "proxyfleet.windows.proxy_restore"


def _with_parents(keys: list[KeyAddress]) -> list[KeyAddress]:
    """The keys and their parents below the hive's top level (which a restore never removes)."""
    found: dict[tuple[str, str, int], KeyAddress] = {}
    for key in keys:
        parts = key.path.split("\\")
        for depth in range(2, len(parts) + 1):
            parent = KeyAddress(key.hive, "\\".join(parts[:depth]), key.view)
            found.setdefault(parent.lookup, parent)
    return list(found.values())


# Read with the backups, so the usual restore (of keys our surfaces own, and the parents it may have
# created) needs no second read.
KNOWN_KEYS: list[KeyAddress] = _with_parents([key for key in PICTURE_KEYS if key not in USER_KEYS] + [CREATED_KEYS])


class ActionModule(AgentAction):
    """One command reads the backups and the surfaces' keys; a second writes the restore (itself backed up)."""

    FQCN = FQCN
    ARGUMENT_SPEC = RESTORE_SPEC
    HOST_ERRORS = (AgentError, RestoreError)

    def prepare(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        backup_id = args["backup_id"]
        if backup_id is not None and not BACKUP_ID_PATTERN.match(backup_id):
            raise TaskInputError(
                f"{FQCN}: backup_id must be a backup id as listed in 'backups' (1 to 64 letters, digits, '.', "
                f"'_' or '-'), got {backup_id!r}"
            )
        return args

    def act(self, session: HostSession, prepared: dict[str, t.Any]) -> dict[str, t.Any]:
        return self._restore(session, prepared["backup_id"], list_only=prepared["list_only"])

    def _restore(self, session: HostSession, backup_id: str | None, *, list_only: bool) -> dict[str, t.Any]:
        answer = session.run([read_operation([*backup_read_keys(), *KNOWN_KEYS])])[0]
        backups = decode_backups(answer.get("keys") or [])
        listing = {"changed": False, "backups": [backup.summary() for backup in backups], "restored": []}
        if list_only:
            return listing
        chosen = select(backups, backup_id)
        snapshot = RegistrySnapshot.from_read_result(answer)
        unread = [address for address in keys_to_read(chosen) if not snapshot.includes(address)]
        if unread:
            extra = session.run([read_operation(unread)])[0]
            snapshot = RegistrySnapshot.from_read_result({"keys": [*answer["keys"], *extra["keys"]]})
        changes = plan_restore(chosen, snapshot)
        outcome = {**listing, "restored": [backup.id for backup in chosen], "changes": _describe(changes, snapshot)}
        outcome["changed"] = bool(changes)
        if self.diff_mode and changes:
            outcome["diff"] = _diff(changes, snapshot)
        if changes and not self.check_mode:
            outcome["backup_id"] = apply_changes(session, changes)[0]
        return outcome


def _where(change: Change) -> str:
    if change.is_key_change:
        return change.address.describe()
    return f"{change.address.describe()} value {change.name or '(default)'}"


def _shown(change: Change, snapshot: RegistrySnapshot, *, after: bool) -> t.Any:
    if change.is_key_change:
        exists = (change.action == "create_key") if after else snapshot.key(change.address).exists
        return "key exists" if exists else "key absent"
    value = change.result if after else snapshot.value(change.address, change.name)
    return {"type": value.type, "data": value.data} if value.exists else "absent"


def _describe(changes: list[Change], snapshot: RegistrySnapshot) -> list[dict[str, t.Any]]:
    return [
        {
            "action": change.action,
            "key": change.address.describe(),
            "name": None if change.is_key_change else change.name,
            "before": _shown(change, snapshot, after=False),
            "after": _shown(change, snapshot, after=True),
        }
        for change in changes
    ]


def _diff(changes: list[Change], snapshot: RegistrySnapshot) -> dict[str, str]:
    before = {_where(change): _shown(change, snapshot, after=False) for change in changes}
    after = {_where(change): _shown(change, snapshot, after=True) for change in changes}
    return {"before": render(before), "after": render(after)}
