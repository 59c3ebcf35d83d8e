# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read -> plan -> write-with-preconditions flow every registry module shares (internal use only)."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import (
    BACKUPS_KEPT,
    AgentError,
    HostSession,
    may_have_applied_message,
    new_backup_id,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
    read_operation,
)


def read_keys(session: HostSession, addresses: t.Iterable[KeyAddress]) -> RegistrySnapshot:
    """Read every value of the given keys in one host command."""
    result = session.run([read_operation(addresses)])[0]
    return RegistrySnapshot.from_read_result(result)


def apply_changes(session: HostSession, changes: list[Change]) -> tuple[str, list[tuple[KeyAddress, str, RegValue]]]:
    """Write ``changes`` in one host command; return the backup id and the values read back.

    Raises:
        AgentError: a precondition failed (nothing written) or a write failed (rolled back or not:
            the message says which).
    """
    sent_backup_id = new_backup_id()
    operation = {
        "op": "apply",
        "backup": {"id": sent_backup_id, "keep": BACKUPS_KEPT},
        "changes": [change.to_request() for change in changes],
    }
    result = session.run([operation])[0]
    status = result.get("status")
    if status == "precondition_failed":
        raise AgentError(_precondition_message(changes, result.get("failed") or []))
    if status != "applied":
        rolled_back = result.get("stage") == "backup" or (result.get("rollback") or {}).get("ok") is True
        raise AgentError(_failure_message(changes, result), backup_id=result.get("backup_id"), changed=not rolled_back)
    if result.get("after_error") or not isinstance(result.get("after"), list):
        # Written, but not read back: the backup id must still reach the user.
        detail = f"{result.get('written')} changes written, reading them back failed: {result.get('after_error')}"
        raise AgentError(may_have_applied_message(sent_backup_id, detail), sent_backup_id, changed=True)
    # Key deletions follow the deletion of every value in the key, so the values say it all.
    read_back = [
        (change.address, change.name, _read_back_value(entry))
        for change, entry in zip(changes, result.get("after") or [], strict=True)
        if not change.is_key_change
    ]
    return str(result["backup_id"]), read_back


def _read_back_value(entry: dict[str, t.Any]) -> RegValue:
    return RegValue(True, entry["type"], entry["data"]) if entry.get("exists") else RegValue.missing()


def _precondition_message(changes: list[Change], failed: list[dict[str, t.Any]]) -> str:
    where = ", ".join(
        f"{changes[item['index']].address.describe()} value {changes[item['index']].name}" for item in failed
    )
    return (
        f"the host's registry changed between read and write ({where}); nothing was written. "
        "Another process or Group Policy may be managing it: run the task again to re-check"
    )


def _failure_message(changes: list[Change], result: dict[str, t.Any]) -> str:
    if result.get("stage") == "backup":
        return f"could not write the on-host backup, so nothing was changed: {result.get('error')}"
    index = int(result.get("failed_index", 0))
    target = f"{changes[index].address.describe()} value {changes[index].name}" if index < len(changes) else "a value"
    rollback = result.get("rollback") or {}
    if rollback.get("ok"):
        outcome = "every value written before it was restored from the snapshot"
    else:
        outcome = f"RESTORING THE PRIOR VALUES ALSO FAILED ({rollback.get('error')}): the host may be half-written"
    if result.get("backup_id") is None:
        # Rolled back: the host is as it was and the backup was deleted again (no slot taken).
        return f"writing {target} failed: {result.get('error')}; {outcome}. Nothing was changed"
    return (
        f"writing {target} failed: {result.get('error')}; {outcome}. "
        f"The prior values are in on-host backup {result.get('backup_id')}"
    )


__all__ = ["AgentError", "Change", "RegValue", "apply_changes", "read_keys"]
