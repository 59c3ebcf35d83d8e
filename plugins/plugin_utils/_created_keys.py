# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which keys this collection created, so that state=absent removes them again once empty (internal use only).

A policy key that Group Policy or an admin created stays when our values leave it; a key that only
exists because we wrote into it goes when the last value in it goes. The record is a value per key
under ``HKLM\\SOFTWARE\\proxyfleet\\CreatedKeys`` named ``<view>:<path>``, written and removed in the
same apply as the writes it describes, so a rollback covers it too.
"""

from __future__ import annotations

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)

CREATED_KEYS = KeyAddress("HKLM", r"SOFTWARE\proxyfleet\CreatedKeys", 64)


def record_name(address: KeyAddress) -> str:
    return f"{address.view}:{address.path}"


def bookkeeping(before: RegistrySnapshot, after: RegistrySnapshot, changes: list[Change]) -> list[Change]:
    """The extra changes that record created keys and delete the recorded keys the plan empties.

    ``before`` is the state as read, ``after`` the state the planned ``changes`` leave.
    """
    extra: list[Change] = []
    records = before.key(CREATED_KEYS)
    for address in dict.fromkeys(change.address for change in changes if change.action == "set_value"):
        if not before.key(address).exists and address != CREATED_KEYS:
            name = record_name(address)
            extra.append(
                Change("set_value", CREATED_KEYS, name, expect=records.value(name), value=RegValue(True, "string", "1"))
            )
    for address in dict.fromkeys(change.address for change in changes if change.action == "delete_value"):
        record = records.value(record_name(address))
        final = after.key(address)
        if record.exists and not final.values and not final.subkeys:
            extra.append(Change.delete_key(address))
            extra.append(Change("delete_value", CREATED_KEYS, record_name(address), expect=record))
    return extra
