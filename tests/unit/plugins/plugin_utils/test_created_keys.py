"""Keys the collection created are recorded, and deleted again when the plan empties them."""

from __future__ import annotations

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._created_keys import CREATED_KEYS, bookkeeping
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)

DC = KeyAddress("HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DataCollection", 64)
RECORD = r"64:SOFTWARE\Policies\Microsoft\Windows\DataCollection"


def snapshot(dc_values: dict[str, int] | None, records: list[str]) -> RegistrySnapshot:
    keys = [
        {
            "hive": "HKLM", "path": DC.path, "view": 64, "exists": dc_values is not None,
            "values": [{"name": name, "type": "dword", "data": data} for name, data in (dc_values or {}).items()],
            "subkeys": [],
        },
        {
            "hive": "HKLM", "path": CREATED_KEYS.path, "view": 64, "exists": bool(records),
            "values": [{"name": name, "type": "string", "data": "1"} for name in records], "subkeys": [],
        },
    ]  # fmt: skip
    return RegistrySnapshot.from_read_result({"keys": keys})


def test_writing_into_a_missing_key_records_it() -> None:
    before = snapshot(None, [])
    write = Change("set_value", DC, "DisableEnterpriseAuthProxy", RegValue.missing(), RegValue(True, "dword", 1))
    after = before.overlay([(DC, write.name, write.result)])
    assert bookkeeping(before, after, [write]) == [
        Change("set_value", CREATED_KEYS, RECORD, expect=RegValue.missing(), value=RegValue(True, "string", "1"))
    ]


def test_writing_into_an_existing_key_records_nothing() -> None:
    before = snapshot({"AllowTelemetry": 1}, [])
    write = Change("set_value", DC, "DisableEnterpriseAuthProxy", RegValue.missing(), RegValue(True, "dword", 1))
    assert bookkeeping(before, before.overlay([(DC, write.name, write.result)]), [write]) == []


def test_emptying_a_recorded_key_deletes_it_and_its_record() -> None:
    before = snapshot({"DisableEnterpriseAuthProxy": 1}, [RECORD])
    delete = Change("delete_value", DC, "DisableEnterpriseAuthProxy", RegValue(True, "dword", 1))
    after = before.overlay([(DC, delete.name, delete.result)])
    assert bookkeeping(before, after, [delete]) == [
        Change.delete_key(DC),
        Change("delete_value", CREATED_KEYS, RECORD, expect=RegValue(True, "string", "1")),
    ]
    assert Change.delete_key(DC).to_request() == {
        "action": "delete_key", "hive": "HKLM", "path": DC.path, "view": 64, "expect": {"exists": True},
    }  # fmt: skip


def test_a_key_someone_else_created_or_still_in_use_stays() -> None:
    delete = Change("delete_value", DC, "DisableEnterpriseAuthProxy", RegValue(True, "dword", 1))
    not_ours = snapshot({"DisableEnterpriseAuthProxy": 1}, [])
    assert bookkeeping(not_ours, not_ours.overlay([(DC, delete.name, delete.result)]), [delete]) == []
    still_used = snapshot({"DisableEnterpriseAuthProxy": 1, "AllowTelemetry": 1}, [RECORD])
    assert bookkeeping(still_used, still_used.overlay([(DC, delete.name, delete.result)]), [delete]) == []
