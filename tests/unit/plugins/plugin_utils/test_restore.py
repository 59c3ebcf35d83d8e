"""Backups decoded from the agent's read, and the restore plan, value by value and key by key."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._restore import (
    RestoreError,
    decode_backups,
    keys_to_read,
    plan_restore,
    select,
)

ROOT = r"SOFTWARE\proxyfleet\Backups"
DO = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
DO_KEY = KeyAddress("HKLM", DO, 64)
PARENT = KeyAddress("HKLM", r"SOFTWARE\Policies\Microsoft\Windows", 64)


def value(name: str, type_: str, data: t.Any) -> dict[str, t.Any]:
    return {"name": name, "type": type_, "data": data}


def key(path: str, values: list[dict[str, t.Any]], subkeys: list[str] | None = None) -> dict[str, t.Any]:
    return {"hive": "HKLM", "path": path, "view": 64, "exists": True, "values": values, "subkeys": subkeys or []}


def record(
    path: str, name: str, action: str, *, key_existed: bool, prior: tuple[str, t.Any] | None, first: str | None = None
) -> list[dict[str, t.Any]]:
    values = [
        value("Hive", "string", "HKLM"), value("Path", "string", path), value("Name", "string", name),
        value("Action", "string", action), value("View", "dword", 64),
        value("KeyExisted", "dword", int(key_existed)), value("ValueExisted", "dword", int(prior is not None)),
    ]  # fmt: skip
    if first:
        values.append(value("FirstMissingKey", "string", first))
    if prior:
        values.append(value("Data", *prior))
    return values


def backup(backup_id: str, records: list[list[dict[str, t.Any]]], count: int | None = None) -> list[dict[str, t.Any]]:
    head = [value("Created", "string", "2026-11-23T10:30:00.0000000Z"), value("AgentVersion", "string", "0.1.0")]
    head.append(value("Count", "dword", len(records) if count is None else count))
    return [key(f"{ROOT}\\{backup_id}", head), *(key(f"{ROOT}\\{backup_id}\\{i}", r) for i, r in enumerate(records))]


# The first apply created the DO policy key below an existing parent and set two values; the second
# changed one of them again and added a third.
FIRST = backup(
    "20261123T100000000000Z-aaaaaaaa",
    [
        record(DO, "DODownloadMode", "set_value", key_existed=False, prior=None, first=DO),
        record(DO, "DOGroupId", "set_value", key_existed=False, prior=None, first=DO),
    ],
)
SECOND = backup(
    "20261123T110000000000Z-bbbbbbbb",
    [
        record(DO, "DODownloadMode", "set_value", key_existed=True, prior=("dword", 1)),
        record(DO, "DOCacheHost", "set_value", key_existed=True, prior=None),
    ],
)
NOW = RegistrySnapshot.from_read_result(
    {
        "keys": [
            key(
                DO,
                [
                    value("DODownloadMode", "dword", 2),
                    value("DOGroupId", "string", "g"),
                    value("DOCacheHost", "string", "c"),
                ],
            ),
            key(PARENT.path, [], ["DeliveryOptimization", "System"]),
        ]
    }
)


def test_backups_are_decoded_newest_first() -> None:
    backups = decode_backups([*FIRST, *SECOND])
    assert [b.id for b in backups] == ["20261123T110000000000Z-bbbbbbbb", "20261123T100000000000Z-aaaaaaaa"]
    assert backups[0].summary() == {
        "id": "20261123T110000000000Z-bbbbbbbb",
        "created": "2026-11-23T10:30:00.0000000Z",
        "agent_version": "0.1.0",
        "changes": [
            rf"HKLM\{DO} (64-bit view) value DODownloadMode (set_value)",
            rf"HKLM\{DO} (64-bit view) value DOCacheHost (set_value)",
        ],
        "restorable": True,
        "problem": None,
    }


def test_the_newest_backup_alone_puts_back_its_prior_values() -> None:
    chosen = select(decode_backups([*FIRST, *SECOND]), None)
    assert plan_restore(chosen, NOW) == [
        # Undone in reverse order of the apply.
        Change("delete_value", DO_KEY, "DOCacheHost", expect=RegValue(True, "string", "c")),
        Change(
            "set_value", DO_KEY, "DODownloadMode", expect=RegValue(True, "dword", 2), value=RegValue(True, "dword", 1)
        ),
    ]


def test_an_older_backup_undoes_every_newer_one_and_removes_the_key_it_created() -> None:
    chosen = select(decode_backups([*FIRST, *SECOND]), "20261123T100000000000Z-aaaaaaaa")
    assert [b.id for b in chosen] == ["20261123T110000000000Z-bbbbbbbb", "20261123T100000000000Z-aaaaaaaa"]
    assert plan_restore(chosen, NOW) == [
        Change("delete_value", DO_KEY, "DOCacheHost", expect=RegValue(True, "string", "c")),
        Change("delete_value", DO_KEY, "DODownloadMode", expect=RegValue(True, "dword", 2)),
        Change("delete_value", DO_KEY, "DOGroupId", expect=RegValue(True, "string", "g")),
        Change.delete_key(DO_KEY),
    ]


def test_a_created_key_that_holds_someone_elses_value_stays() -> None:
    chosen = select(decode_backups(FIRST), None)
    now = RegistrySnapshot.from_read_result(
        {
            "keys": [
                key(
                    DO,
                    [
                        value("DODownloadMode", "dword", 1),
                        value("DOGroupId", "string", "g"),
                        value("Other", "dword", 5),
                    ],
                )
            ]
        }
    )
    plan = plan_restore(chosen, now)
    assert [change.action for change in plan] == ["delete_value", "delete_value"]


def test_created_parents_go_deepest_first_when_empty() -> None:
    deep = KeyAddress("HKLM", r"SOFTWARE\Vendor\App\Proxy", 64)
    backups = decode_backups(
        backup(
            "20261123T100000000000Z-cccccccc",
            [record(deep.path, "P", "set_value", key_existed=False, prior=None, first=r"SOFTWARE\Vendor")],
        )
    )
    assert [a.path for a in keys_to_read(backups)] == [deep.path, r"SOFTWARE\Vendor", r"SOFTWARE\Vendor\App"]
    now = RegistrySnapshot.from_read_result(
        {
            "keys": [
                key(deep.path, [value("P", "string", "x")]),
                key(r"SOFTWARE\Vendor\App", [], ["Proxy"]),
                key(r"SOFTWARE\Vendor", [], ["App"]),
            ]
        }
    )
    assert plan_restore(backups, now) == [
        Change("delete_value", deep, "P", expect=RegValue(True, "string", "x")),
        Change.delete_key(deep),
        Change.delete_key(KeyAddress("HKLM", r"SOFTWARE\Vendor\App", 64)),
        Change.delete_key(KeyAddress("HKLM", r"SOFTWARE\Vendor", 64)),
    ]


def test_a_deleted_key_comes_back() -> None:
    backups = decode_backups(
        backup("20261123T100000000000Z-dddddddd", [record(DO, "", "delete_key", key_existed=True, prior=None)])
    )
    missing = RegistrySnapshot.from_read_result({"keys": [{"hive": "HKLM", "path": DO, "view": 64, "exists": False}]})
    assert plan_restore(backups, missing) == [Change.create_key(DO_KEY)]
    assert Change.create_key(DO_KEY).to_request() == {
        "action": "create_key", "hive": "HKLM", "path": DO, "view": 64, "expect": {"exists": False},
    }  # fmt: skip


def test_nothing_to_do_when_the_values_are_already_back() -> None:
    chosen = select(decode_backups(SECOND), None)
    now = RegistrySnapshot.from_read_result({"keys": [key(DO, [value("DODownloadMode", "dword", 1)])]})
    assert plan_restore(chosen, now) == []


@pytest.mark.parametrize(
    ("entries", "backup_id", "message"),
    [
        ([], None, r"the host has no proxyfleet backups (HKLM\SOFTWARE\proxyfleet\Backups is empty)"),
        (
            FIRST,
            "20270101T000000000000Z-00000000",
            "backup_id 20270101T000000000000Z-00000000 is not on the host; its backups are, newest first: "
            "20261123T100000000000Z-aaaaaaaa",
        ),
        (
            backup(
                "20261123T100000000000Z-eeeeeeee", [record(DO, "A", "set_value", key_existed=True, prior=None)], count=2
            ),
            None,
            "backup 20261123T100000000000Z-eeeeeeee cannot be restored exactly: its Count says 2 change records but "
            "it holds 1 (0); nothing was written",
        ),
        (
            [
                *backup(
                    "20261123T100000000000Z-ffffffff", [record(DO, "A", "set_value", key_existed=True, prior=None)]
                )[:1],
                key(f"{ROOT}\\20261123T100000000000Z-ffffffff\\0", [value("Hive", "string", "HKLM")]),
            ],
            None,
            "backup 20261123T100000000000Z-ffffffff cannot be restored exactly: change record 0: unexpected record "
            "(hive 'HKLM', path None, name None, action None); nothing was written",
        ),
    ],
)
def test_what_cannot_be_restored_exactly_is_refused(
    entries: list[dict[str, t.Any]], backup_id: str | None, message: str
) -> None:
    with pytest.raises(RestoreError) as caught:
        select(decode_backups(entries), backup_id)
    assert str(caught.value) == message


def test_a_backup_without_count_was_never_completed() -> None:
    entries = [key(f"{ROOT}\\20261123T100000000000Z-99999999", [value("Created", "string", "x")])]
    (only,) = decode_backups(entries)
    assert only.problem == "its Count value is missing: the backup was never completed"
    assert only.summary()["restorable"] is False


def test_backups_are_ordered_by_the_hosts_sequence_not_by_id() -> None:
    # Issue 17.4: two controllers a day apart. The later apply (sequence 2) has the id that sorts first;
    # "restore the newest" must undo it, not the other one.
    later, earlier = backup("20261122T000000000000Z-cccccccc", []), backup("20261123T000000000000Z-dddddddd", [])
    later[0]["values"].append(value("Sequence", "dword", 2))
    earlier[0]["values"].append(value("Sequence", "dword", 1))
    legacy = backup("20261124T000000000000Z-eeeeeeee", [])  # an older agent's: no Sequence, oldest of all
    backups = decode_backups([*legacy, *earlier, *later])
    assert [b.id for b in backups] == [
        "20261122T000000000000Z-cccccccc",
        "20261123T000000000000Z-dddddddd",
        "20261124T000000000000Z-eeeeeeee",
    ]
    assert [b.id for b in select(backups, None)] == ["20261122T000000000000Z-cccccccc"]
