"""Tests for tests.winsim.agent_twin: the Python twin of the host agent, per docs/dev/agent-protocol.md."""

from __future__ import annotations

import base64
import typing as t
from datetime import UTC, datetime

import pytest

from tests.winsim.agent_twin import BACKUP_ROOT, DEFAULT_SERVICES, load_protocol, run_request
from tests.winsim.regfile import REG_EXPAND_SZ, Value
from tests.winsim.registry import Registry

P = load_protocol()
CONN = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
DIRECT = bytes.fromhex("1800000000000000010000000000000000000000")
NAMED = bytes.fromhex("180000000000000003000000") + b"\x03\0\0\0p:1\0\0\0\0"
BACKUP_ID = "20261123T103000123456Z-1a2b3c4d"
NOW = datetime(2026, 11, 23, 10, 30, 0, 123456, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def clock() -> datetime:
    return NOW


def host_registry() -> Registry:
    """A host with WinHTTP direct in the 64-bit view only, and a few neighbours."""
    reg = Registry()
    reg.set_value("HKLM", CONN, "SavedLegacySettings", Value(3, b"\x46\0\0\0"))
    reg.set_value("HKLM", CONN, "WinHttpSettings", Value(3, DIRECT))
    reg.set_value("HKLM", CONN, "SavedLegacySettings", Value(3, b"\x46\0\0\0"), view=32)
    reg.set_value(
        "HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DataCollection", "DisableEnterpriseAuthProxy", Value.dword(1)
    )
    return reg


def run(reg: Registry, *ops: dict[str, t.Any], **faults: t.Any) -> dict[str, t.Any]:
    return run_request(reg, P.build_request(list(ops)), clock=clock, **faults)


def results(reg: Registry, *ops: dict[str, t.Any], **faults: t.Any) -> list[dict[str, t.Any]]:
    response = run(reg, *ops, **faults)
    assert response["ok"] is True, response
    found: list[dict[str, t.Any]] = response["results"]
    return found


def apply(*changes: dict[str, t.Any], backup_id: str = BACKUP_ID, keep: int = 20) -> dict[str, t.Any]:
    return {"op": "apply", "backup": {"id": backup_id, "keep": keep}, "changes": list(changes)}


def set_winhttp(view: int, data: bytes, expect: dict[str, t.Any], name: str = "WinHttpSettings") -> dict[str, t.Any]:
    return {
        "action": "set_value", "hive": "HKLM", "path": CONN, "view": view, "name": name,
        "type": "binary", "data": b64(data), "expect": expect,
    }  # fmt: skip


def direct_expect() -> dict[str, t.Any]:
    return {"exists": True, "type": "binary", "data": b64(DIRECT)}


def without_backups(reg: Registry) -> Registry:
    """A copy without the agent's backup area (and the proxyfleet key that holds it)."""
    copy = reg.snapshot()
    copy.delete_key("HKLM", "SOFTWARE\\proxyfleet")
    return copy


# ---------------------------------------------------------------------------------------------
# Request level


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ([], "request must be a JSON object, got array"),
        (
            {"protocol": 2, "agent_version": P.AGENT_VERSION, "operations": []},
            "unsupported protocol 2: this agent speaks protocol 1",
        ),
        (
            {"protocol": True, "agent_version": P.AGENT_VERSION, "operations": []},
            "unsupported protocol True: this agent speaks protocol 1",
        ),
        (
            {"protocol": 1, "agent_version": "0.0.9", "operations": []},
            f"request is for agent version '0.0.9'; this is agent {P.AGENT_VERSION}",
        ),
        ({"protocol": 1, "agent_version": P.AGENT_VERSION}, "'operations' must be a list, got null"),
        (
            {"protocol": 1, "agent_version": P.AGENT_VERSION, "operations": [1]},
            "operations[0] must be a JSON object, got number",
        ),
        (
            P.build_request([{"op": "read", "keys": []}, {"op": "delete_tree"}]),
            "unknown operation 'delete_tree' at operations[1] (expected read, apply, wmi_query, service,"
            " sms_sysresuse_read, sms_sysresuse_write, file_read, file_write or tls_probe)",
        ),
    ],
)
def test_request_level_errors(request_: t.Any, error: str) -> None:
    reg = host_registry()
    before = reg.snapshot()
    assert run_request(reg, request_) == {
        "protocol": 1, "agent_version": P.AGENT_VERSION, "ok": False, "error": error, "results": [],
    }  # fmt: skip
    assert reg == before


def test_unknown_operation_stops_the_whole_request_before_anything_runs() -> None:
    reg = host_registry()
    before = reg.snapshot()
    response = run(reg, apply(set_winhttp(32, NAMED, {"exists": False})), {"op": "nope"})
    assert response["ok"] is False
    assert reg == before


# ---------------------------------------------------------------------------------------------
# read


def test_read_reports_values_subkeys_and_missing_keys() -> None:
    reg = host_registry()
    reg.set_value("HKLM", r"SOFTWARE\T", "", Value.string("default"))
    reg.set_value("HKLM", r"SOFTWARE\T", "E", Value.string("%TEMP%", 2))
    reg.set_value("HKLM", r"SOFTWARE\T", "M", Value.multi(["a", "b"]))
    reg.set_value("HKLM", r"SOFTWARE\T", "D", Value.dword(4294967295))
    reg.set_value("HKLM", r"SOFTWARE\T", "Q", Value.qword(2**63))
    reg.set_value("HKLM", r"SOFTWARE\T", "N", Value(0, b"\x01"))
    reg.create_key("HKLM", r"SOFTWARE\T\sub2")
    reg.create_key("HKLM", r"SOFTWARE\T\Sub1")
    keys = [
        {"hive": "HKLM", "path": r"software\t", "view": 64},
        {"hive": "HKLM", "path": CONN, "view": 32},
        {"hive": "HKLM", "path": r"SOFTWARE\T", "view": 32},
        {"hive": "HKCU", "path": r"Software\Nothing", "view": 64},
    ]
    assert results(reg, {"op": "read", "keys": keys}) == [
        {
            "op": "read",
            "status": "ok",
            "keys": [
                {
                    "hive": "HKLM", "path": r"software\t", "view": 64, "exists": True,
                    "values": [
                        {"name": "", "type": "string", "data": "default"},
                        {"name": "E", "type": "expandstring", "data": "%TEMP%"},
                        {"name": "M", "type": "multistring", "data": ["a", "b"]},
                        {"name": "D", "type": "dword", "data": 4294967295},
                        {"name": "Q", "type": "qword", "data": 2**63},
                        {"name": "N", "type": "none", "data": "AQ=="},
                    ],
                    "subkeys": ["Sub1", "sub2"],
                },
                {
                    "hive": "HKLM", "path": CONN, "view": 32, "exists": True,
                    "values": [{"name": "SavedLegacySettings", "type": "binary", "data": b64(b"\x46\0\0\0")}],
                    "subkeys": [],
                },
                {"hive": "HKLM", "path": r"SOFTWARE\T", "view": 32, "exists": False, "values": [], "subkeys": []},
                {"hive": "HKCU", "path": r"Software\Nothing", "view": 64, "exists": False, "values": [], "subkeys": []},
            ],
        }
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("key", "error"),
    [
        (
            {"hive": "HKXX", "path": "A", "view": 64},
            "keys[0]: unsupported hive 'HKXX' (expected HKLM or HKCU or HKU or HKCR)",
        ),
        (
            {"hive": "HKEY_LOCAL_MACHINE", "path": "A", "view": 64},
            "keys[0]: unsupported hive 'HKEY_LOCAL_MACHINE' (expected HKLM or HKCU or HKU or HKCR)",
        ),
        ({"hive": "HKLM", "path": "A", "view": 16}, "keys[0]: unknown registry view '16'"),
        ({"hive": "HKLM", "path": "A", "view": "64"}, "keys[0]: unknown registry view '64'"),
        (
            {"hive": "HKLM", "path": "A\\", "view": 64},
            "keys[0]: malformed key path 'A\\\\' (empty name, or a leading/trailing/double backslash)",
        ),
        ({"hive": "HKLM", "path": None, "view": 64}, "keys[0]: key path must be a string, got null"),
        ("HKLM\\A", "keys[0] must be a JSON object, got string"),
    ],
)
def test_read_validation(key: t.Any, error: str) -> None:
    assert results(host_registry(), {"op": "read", "keys": [key]}) == [
        {"op": "read", "status": "error", "error": error}
    ]


def test_read_of_hive_root_and_lower_case_hive() -> None:
    reg = Registry()
    reg.create_key("HKU", "S-1-5-18")
    [result] = results(reg, {"op": "read", "keys": [{"hive": "hku", "path": "", "view": 64}]})
    assert result["keys"] == [
        {"hive": "hku", "path": "", "view": 64, "exists": True, "values": [], "subkeys": ["S-1-5-18"]}
    ]


# ---------------------------------------------------------------------------------------------
# apply: success, backup layout, read back


def test_apply_writes_backs_up_and_reads_back() -> None:
    reg = host_registry()
    changes = [
        set_winhttp(64, NAMED, direct_expect(), name="winhttpsettings"),
        set_winhttp(32, NAMED, {"exists": False}),
        {"action": "delete_value", "hive": "HKLM", "path": CONN, "view": 64, "name": "SavedLegacySettings",
         "expect": {"exists": True, "type": "binary", "data": b64(b"\x46\0\0\0")}},
        {"action": "create_key", "hive": "HKLM", "path": r"SOFTWARE\New\Key", "view": 32, "expect": {"exists": False}},
        {"action": "set_value", "hive": "HKLM", "path": r"SOFTWARE\Policies\P", "view": 64, "name": "L",
         "type": "multistring", "data": ["x", "y"], "expect": {"exists": False}},
    ]  # fmt: skip
    assert results(reg, apply(*changes)) == [
        {
            "op": "apply",
            "status": "applied",
            "backup_id": BACKUP_ID,
            "written": 5,
            "pruned": [],
            "after": [
                {"hive": "HKLM", "path": CONN, "view": 64, "name": "winhttpsettings", "exists": True,
                 "type": "binary", "data": b64(NAMED)},
                {"hive": "HKLM", "path": CONN, "view": 32, "name": "WinHttpSettings", "exists": True,
                 "type": "binary", "data": b64(NAMED)},
                {"hive": "HKLM", "path": CONN, "view": 64, "name": "SavedLegacySettings", "exists": False},
                {"hive": "HKLM", "path": r"SOFTWARE\New\Key", "view": 32, "exists": True},
                {"hive": "HKLM", "path": r"SOFTWARE\Policies\P", "view": 64, "name": "L", "exists": True,
                 "type": "multistring", "data": ["x", "y"]},
            ],
        }
    ]  # fmt: skip
    # The registry: changed exactly as asked, name case of the existing value kept.
    expected = host_registry()
    expected.set_value("HKLM", CONN, "WinHttpSettings", Value(3, NAMED))
    expected.set_value("HKLM", CONN, "WinHttpSettings", Value(3, NAMED), view=32)
    expected.delete_value("HKLM", CONN, "SavedLegacySettings")
    expected.create_key("HKLM", r"SOFTWARE\WOW6432Node\New\Key")
    expected.set_value("HKLM", r"SOFTWARE\Policies\P", "L", Value.multi(["x", "y"]))
    assert without_backups(reg) == expected
    # The backup, exactly.
    root = f"{BACKUP_ROOT}\\{BACKUP_ID}"
    assert reg.subkey_names("HKLM", BACKUP_ROOT) == [BACKUP_ID]
    assert reg.values("HKLM", root) == [
        ("Sequence", Value.dword(1)),
        ("Original", Value.dword(1)),
        ("Created", Value.string("2026-11-23T10:30:00.1234560Z")),
        ("AgentVersion", Value.string(P.AGENT_VERSION)),
        ("Count", Value.dword(5)),
    ]
    assert reg.subkey_names("HKLM", root) == ["0", "1", "2", "3", "4"]

    def record(
        index: int, path: str, name: str, action: str, view: int, key: int, value: int
    ) -> list[tuple[str, Value]]:
        return [
            ("Hive", Value.string("HKLM")), ("Path", Value.string(path)), ("Name", Value.string(name)),
            ("Action", Value.string(action)), ("View", Value.dword(view)),
            ("KeyExisted", Value.dword(key)), ("ValueExisted", Value.dword(value)),
        ]  # fmt: skip

    assert reg.values("HKLM", f"{root}\\0") == [
        *record(0, CONN, "WinHttpSettings", "set_value", 64, 1, 1),
        ("Data", Value(3, DIRECT)),
    ]
    assert reg.values("HKLM", f"{root}\\1") == record(1, CONN, "WinHttpSettings", "set_value", 32, 1, 0)
    assert reg.values("HKLM", f"{root}\\2") == [
        *record(2, CONN, "SavedLegacySettings", "delete_value", 64, 1, 1),
        ("Data", Value(3, b"\x46\0\0\0")),
    ]
    # A key the apply creates records the topmost missing key on its path, for a restore.
    assert reg.values("HKLM", f"{root}\\3") == [
        *record(3, r"SOFTWARE\New\Key", "", "create_key", 32, 0, 0),
        ("FirstMissingKey", Value.string(r"SOFTWARE\New")),
    ]
    assert reg.values("HKLM", f"{root}\\4") == [
        *record(4, r"SOFTWARE\Policies\P", "L", "set_value", 64, 0, 0),
        ("FirstMissingKey", Value.string(r"SOFTWARE\Policies\P")),
    ]
    assert reg.subkey_names("HKLM", f"{root}\\0") == []
    # The backup lives in the 64-bit view only.
    assert not reg.key_exists("HKLM", "SOFTWARE\\proxyfleet", view=32)


def test_backup_keeps_the_prior_type_of_every_kind() -> None:
    reg = Registry()
    priors = {"s": Value.string("x"), "e": Value.string("%x%", 2), "d": Value.dword(7), "o": Value(5, b"\1\2")}
    for name, value in priors.items():
        reg.set_value("HKLM", r"SOFTWARE\K", name, value)
    changes = [
        {"action": "delete_value", "hive": "HKLM", "path": r"SOFTWARE\K", "view": 64, "name": name,
         "expect": {"exists": True, "type": {"s": "string", "e": "expandstring", "d": "dword", "o": "none"}[name],
                    "data": {"s": "x", "e": "%x%", "d": 7, "o": b64(b"\1\2")}[name]}}
        for name in priors
    ]  # fmt: skip
    assert results(reg, apply(*changes))[0]["status"] == "applied"
    for index, value in enumerate(priors.values()):
        assert reg.get_value("HKLM", f"{BACKUP_ROOT}\\{BACKUP_ID}\\{index}", "Data") == value


def test_empty_apply_writes_nothing() -> None:
    reg = host_registry()
    before = reg.snapshot()
    assert results(reg, {"op": "apply", "changes": []}) == [
        {"op": "apply", "status": "applied", "backup_id": None, "written": 0, "pruned": [], "after": []}
    ]
    assert reg == before


# Changed on purpose (issue 17.4): backups are ordered by the host's Sequence, the first one (the
# state before this collection ever wrote) is Original and never pruned, and pruning says what it deleted.
def test_pruning_keeps_the_newest_backups_and_the_original() -> None:
    reg = host_registry()
    # Backups of an older agent (no Sequence) come before any with one, by name.
    old = [f"20261122T1000{n:02d}000000Z-00000000" for n in range(25)]
    for name in old:
        reg.set_value("HKLM", f"{BACKUP_ROOT}\\{name}", "Count", Value.dword(0))
    [first] = results(reg, apply(set_winhttp(32, NAMED, {"exists": False})))
    assert (first["status"], first["pruned"]) == ("applied", old[:5])
    assert reg.get_value("HKLM", f"{BACKUP_ROOT}\\{BACKUP_ID}", "Original") == Value.dword(1)
    assert reg.subkey_names("HKLM", BACKUP_ROOT) == [*old[5:], BACKUP_ID]
    again = set_winhttp(32, DIRECT, {"exists": True, "type": "binary", "data": b64(NAMED)})
    [second] = results(reg, apply(again, backup_id="20261123T110000000000Z-2b2b2b2b", keep=3))
    assert second["pruned"] == old[5:-2]
    assert reg.subkey_names("HKLM", BACKUP_ROOT) == [*old[-2:], BACKUP_ID, "20261123T110000000000Z-2b2b2b2b"]


def test_backups_are_ordered_by_the_hosts_sequence_not_the_controllers_clock() -> None:
    reg = host_registry()
    # Three applies from controllers whose clocks disagree: the ids sort the other way round.
    ids = ["20270101T000000000000Z-aaaaaaaa", "20270601T000000000000Z-bbbbbbbb", "20260101T000000000000Z-cccccccc"]
    values = [NAMED, DIRECT, NAMED]
    expect: dict[str, t.Any] = {"exists": False}
    pruned = []
    for backup_id, value in zip(ids, values, strict=True):
        [result] = results(reg, apply(set_winhttp(32, value, expect), backup_id=backup_id, keep=1))
        assert result["status"] == "applied", result
        pruned.append(result["pruned"])
        expect = {"exists": True, "type": "binary", "data": b64(value)}
    # keep=1: the newest by sequence (the last apply, whose id sorts first) and the Original stay.
    assert pruned == [[], [], [ids[1]]]
    assert sorted(reg.subkey_names("HKLM", BACKUP_ROOT)) == sorted([ids[0], ids[2]])
    sequences = [reg.get_value("HKLM", f"{BACKUP_ROOT}\\{i}", "Sequence") for i in (ids[0], ids[2])]
    assert sequences == [Value.dword(1), Value.dword(3)]
    assert reg.get_value("HKLM", BACKUP_ROOT, "NextSequence") == Value.dword(4)


def test_pruning_and_read_back_failures_never_hide_the_backup_id() -> None:
    reg = host_registry()
    [result] = results(reg, apply(set_winhttp(32, NAMED, {"exists": False})), fail_prune=True, fail_readback=True)
    assert result == {
        "op": "apply", "status": "applied", "backup_id": BACKUP_ID, "written": 1, "pruned": [], "after": None,
        "prune_error": f"Access to the registry key 'HKEY_LOCAL_MACHINE\\{BACKUP_ROOT}' is denied.",
        "after_error": "The handle is invalid.",
    }  # fmt: skip
    wow = CONN.replace("SOFTWARE", "SOFTWARE\\WOW6432Node")
    assert reg.get_value("HKLM", wow, "WinHttpSettings") == Value(3, NAMED)


def test_undoing_delete_key_does_not_create_a_key_that_never_existed() -> None:
    reg = host_registry()
    before = reg.snapshot()
    changes = [
        {"action": "delete_key", "hive": "HKLM", "path": r"SOFTWARE\Never\There", "view": 64,
         "expect": {"exists": False}},
        set_winhttp(32, NAMED, {"exists": False}),
    ]  # fmt: skip
    [result] = results(reg, apply(*changes), fail_write_at=2)
    assert result["rollback"] == {"ok": True} and result["backup_id"] is None
    assert without_backups(reg) == before
    assert reg.subkey_names("HKLM", BACKUP_ROOT) == []
    assert not reg.key_exists("HKLM", r"SOFTWARE\Never")


def test_unreadable_key_is_reported_for_that_key_only() -> None:
    reg = host_registry()
    facts = {"unreadable_keys": [f"HKLM\\{CONN}"]}
    read = {
        "op": "read",
        "keys": [{"hive": "HKLM", "path": CONN, "view": 64}, {"hive": "HKLM", "path": "SOFTWARE", "view": 64}],
    }
    [result] = run_request(reg, P.build_request([read]), facts=facts)["results"]
    assert result["keys"][0] == {
        "hive": "HKLM", "path": CONN, "view": 64, "exists": False, "values": [], "subkeys": [],
        "error": "Requested registry access is not allowed.",
    }  # fmt: skip
    assert result["keys"][1]["exists"] is True


def test_apply_to_the_32bit_view_lands_in_wow6432node() -> None:
    reg = Registry()
    results(reg, apply(set_winhttp(32, DIRECT, {"exists": False})))
    assert reg.get_value("HKLM", CONN.replace("SOFTWARE", "SOFTWARE\\WOW6432Node"), "WinHttpSettings") == Value(
        3, DIRECT
    )
    assert reg.get_value("HKLM", CONN, "WinHttpSettings") is None


# ---------------------------------------------------------------------------------------------
# apply: preconditions


def test_precondition_failure_writes_nothing_at_all() -> None:
    reg = host_registry()
    reg.set_value("HKLM", r"SOFTWARE\M", "List", Value.multi(["a", "b"]))
    before = reg.snapshot()
    changes = [
        set_winhttp(64, NAMED, direct_expect()),  # holds
        set_winhttp(32, NAMED, direct_expect()),  # value missing in the 32-bit view
        {"action": "create_key", "hive": "HKLM", "path": CONN, "view": 64, "expect": {"exists": False}},
        {"action": "delete_value", "hive": "HKLM", "path": r"SOFTWARE\M", "view": 64, "name": "list",
         "expect": {"exists": True, "type": "multistring", "data": ["b", "a"]}},
        {"action": "delete_value", "hive": "HKLM", "path": r"SOFTWARE\M", "view": 64, "name": "LIST",
         "expect": {"exists": True, "type": "binary", "data": b64(b"a")}},
        {"action": "create_key", "hive": "HKLM", "path": r"SOFTWARE\Absent", "view": 64, "expect": {"exists": True}},
    ]  # fmt: skip
    assert results(reg, apply(*changes)) == [
        {
            "op": "apply",
            "status": "precondition_failed",
            "failed": [
                {"index": 1, "current": {"exists": False}},
                {"index": 2, "current": {"exists": True}},
                {"index": 3, "current": {"exists": True, "type": "multistring", "data": ["a", "b"]}},
                {"index": 4, "current": {"exists": True, "type": "multistring", "data": ["a", "b"]}},
                {"index": 5, "current": {"exists": False}},
            ],
        }
    ]
    assert reg == before  # not even a backup key
    assert not reg.key_exists("HKLM", "SOFTWARE\\proxyfleet")


def test_expect_compares_bytes_lists_numbers_and_names_case_insensitively() -> None:
    reg = host_registry()
    reg.set_value("HKLM", r"SOFTWARE\M", "Num", Value.dword(1))
    changes = [
        set_winhttp(64, NAMED, direct_expect(), name="WINHTTPSETTINGS"),
        {"action": "set_value", "hive": "HKLM", "path": r"software\m", "view": 64, "name": "num", "type": "dword",
         "data": 2, "expect": {"exists": True, "type": "dword", "data": 1}},
    ]  # fmt: skip
    assert results(reg, apply(*changes))[0]["status"] == "applied"
    # A dword of 1 is not a qword of 1, nor a boolean.
    for expect in ({"exists": True, "type": "qword", "data": 2}, {"exists": True, "type": "dword", "data": "2"}):
        change = {**changes[1], "data": 3, "expect": expect}
        [result] = results(reg, apply(change, backup_id="20261123T110000000000Z-2b2b2b2b"))
        assert result["status"] in ("precondition_failed", "error")


# ---------------------------------------------------------------------------------------------
# apply: validation (the operation fails, nothing is touched)


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda c: c.update(hive="HKCU"), "changes[0]: unsupported hive 'HKCU' (expected HKLM)"),
        (lambda c: c.update(view=64.0), "changes[0]: unknown registry view '64.0'"),
        (lambda c: c.update(path=""), "changes[0]: 'path' must name a key below the hive, got ''"),
        (
            lambda c: c.update(action="rename"),
            "changes[0]: unknown action 'rename'",
        ),
        (
            lambda c: c.update(type="dword", data=4294967296),
            "changes[0]: invalid dword data",
        ),
        (
            lambda c: c.update(type="REG_BINARY"),
            "changes[0]: unknown value type 'REG_BINARY'",
        ),
        (lambda c: c.update(data="%%%"), "changes[0]: binary data is not valid base64: '%%%'"),
        (lambda c: c.pop("name"), "changes[0]: invalid value name"),
        (lambda c: c.pop("expect"), "changes[0]: 'expect' must be an object with a boolean 'exists', got None"),
    ],
)
def test_apply_validation(mutate: t.Callable[[dict[str, t.Any]], t.Any], error: str) -> None:
    reg = host_registry()
    before = reg.snapshot()
    good = set_winhttp(32, NAMED, {"exists": False})
    bad = set_winhttp(64, NAMED, direct_expect())
    mutate(bad)
    # The bad change comes second: the first must not have been written either.
    assert results(reg, apply(bad)) == [{"op": "apply", "status": "error", "error": error}]
    assert results(reg, apply(good, bad))[0]["error"] == error.replace("changes[0]", "changes[1]")
    assert reg == before


@pytest.mark.parametrize(
    ("backup", "error"),
    [
        (None, "invalid backup id ''"),
        ({"id": "a\\b", "keep": 20}, "invalid backup id 'a\\b'"),
        ({"id": "", "keep": 20}, "invalid backup id ''"),
        ({"id": "a" * 65, "keep": 20}, f"invalid backup id '{'a' * 65}'"),
        ({"id": BACKUP_ID, "keep": 0}, "invalid backup keep '0'"),
        ({"id": BACKUP_ID, "keep": True}, "invalid backup keep 'True'"),
    ],
)
def test_backup_validation(backup: t.Any, error: str) -> None:
    reg = host_registry()
    before = reg.snapshot()
    op = {"op": "apply", "backup": backup, "changes": [set_winhttp(32, NAMED, {"exists": False})]}
    assert results(reg, op) == [{"op": "apply", "status": "error", "error": error}]
    assert reg == before


# ---------------------------------------------------------------------------------------------
# apply: backup and write failures


def test_backup_failure_writes_nothing() -> None:
    reg = host_registry()
    before = reg.snapshot()
    assert results(reg, apply(set_winhttp(32, NAMED, {"exists": False})), fail_backup=True) == [
        {
            "op": "apply", "status": "failed", "stage": "backup", "backup_id": None,
            "error": f"Access to the registry key 'HKEY_LOCAL_MACHINE\\{BACKUP_ROOT}\\{BACKUP_ID}' is denied.",
        }
    ]  # fmt: skip
    assert reg == before


def test_existing_backup_id_is_a_backup_failure() -> None:
    reg = host_registry()
    results(reg, apply(set_winhttp(32, NAMED, {"exists": False})))
    before = reg.snapshot()
    [result] = results(reg, apply(set_winhttp(32, DIRECT, {"exists": True, "type": "binary", "data": b64(NAMED)})))
    assert result == {
        "op": "apply", "status": "failed", "stage": "backup", "backup_id": None,
        "error": f"backup {BACKUP_ID} already exists under HKLM\\{BACKUP_ROOT}",
    }  # fmt: skip
    assert reg == before


def three_changes() -> list[dict[str, t.Any]]:
    return [
        set_winhttp(64, NAMED, direct_expect()),
        set_winhttp(32, NAMED, {"exists": False}),
        {"action": "set_value", "hive": "HKLM", "path": r"SOFTWARE\Brand\New", "view": 64, "name": "X",
         "type": "string", "data": "y", "expect": {"exists": False}},
        {"action": "delete_value", "hive": "HKLM", "path": CONN, "view": 32, "name": "SavedLegacySettings",
         "expect": {"exists": True, "type": "binary", "data": b64(b"\x46\0\0\0")}},
    ]  # fmt: skip


@pytest.mark.parametrize("nth", [1, 2, 3, 4])
def test_nth_write_failure_rolls_back_to_exactly_the_old_registry(nth: int) -> None:
    reg = host_registry()
    before = reg.snapshot()
    wow = CONN.replace("SOFTWARE", "SOFTWARE\\WOW6432Node")
    failing_key = [CONN, wow, r"SOFTWARE\Brand\New", wow][nth - 1]
    assert results(reg, apply(*three_changes()), fail_write_at=nth) == [
        {
            "op": "apply", "status": "failed", "stage": "write", "failed_index": nth - 1,
            "error": f"Access to the registry key 'HKEY_LOCAL_MACHINE\\{failing_key}' is denied.",
            "backup_id": None, "rollback": {"ok": True},
        }
    ]  # fmt: skip
    # Everything but the backup bookkeeping is exactly as before: keys this apply created are gone
    # again, and the rolled-back apply's backup takes no slot (changed on purpose, issue 17.4).
    assert without_backups(reg) == before
    assert not reg.key_exists("HKLM", r"SOFTWARE\Brand")
    assert reg.subkey_names("HKLM", BACKUP_ROOT) == []


def test_rollback_restores_the_original_name_case() -> None:
    reg = host_registry()
    before = reg.snapshot()
    changes = [
        {"action": "delete_value", "hive": "HKLM", "path": CONN, "view": 64, "name": "WINHTTPSETTINGS",
         "expect": direct_expect()},
        set_winhttp(32, NAMED, {"exists": False}),
    ]  # fmt: skip
    assert results(reg, apply(*changes), fail_write_at=2)[0]["rollback"] == {"ok": True}
    assert without_backups(reg) == before
    assert [name for name, _value in reg.values("HKLM", CONN)] == ["SavedLegacySettings", "WinHttpSettings"]


def test_rollback_failure_is_reported() -> None:
    reg = host_registry()
    [result] = results(reg, apply(*three_changes()), fail_write_at=3, fail_rollback=True)
    wow = CONN.replace("SOFTWARE", "SOFTWARE\\WOW6432Node")
    assert result == {
        "op": "apply", "status": "failed", "stage": "write", "failed_index": 2,
        "error": "Access to the registry key 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Brand\\New' is denied.",
        "rollback": {"ok": False,
                     "error": f"rollback: access to the registry key 'HKEY_LOCAL_MACHINE\\{wow}' is denied."},
        "backup_id": BACKUP_ID,
    }  # fmt: skip
    # The failed undo step was the 32-bit value: it is left as written; the rest was undone.
    assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=32) == Value(3, NAMED)
    assert reg.get_value("HKLM", CONN, "WinHttpSettings") == Value(3, DIRECT)


def test_fail_write_counts_over_the_whole_request() -> None:
    reg = host_registry()
    first = apply(set_winhttp(32, NAMED, {"exists": False}))
    second = apply(set_winhttp(32, DIRECT, {"exists": True, "type": "binary", "data": b64(NAMED)}),
                   backup_id="20261123T110000000000Z-2b2b2b2b")  # fmt: skip
    first_result, second_result = results(reg, first, second, fail_write_at=2)
    assert first_result["status"] == "applied"
    assert second_result["status"] == "failed"
    assert second_result["failed_index"] == 0
    assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=32) == Value(3, NAMED)


def test_read_after_apply_in_one_request_sees_the_new_state() -> None:
    reg = Registry()
    _apply_result, read = results(
        reg,
        apply(set_winhttp(64, DIRECT, {"exists": False})),
        {"op": "read", "keys": [{"hive": "HKLM", "path": CONN, "view": 64}]},
    )
    assert read["keys"][0]["values"] == [{"name": "WinHttpSettings", "type": "binary", "data": b64(DIRECT)}]


# ---------------------------------------------------------------------------------------------
# delete_key: only an empty key, undone by a rollback

DC = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"


def delete_dc_value() -> dict[str, t.Any]:
    return {
        "action": "delete_value", "hive": "HKLM", "path": DC, "view": 64, "name": "DisableEnterpriseAuthProxy",
        "expect": {"exists": True, "type": "dword", "data": 1},
    }  # fmt: skip


def delete_dc_key() -> dict[str, t.Any]:
    return {"action": "delete_key", "hive": "HKLM", "path": DC, "view": 64, "expect": {"exists": True}}


def test_delete_key_removes_a_key_emptied_by_the_same_apply() -> None:
    reg = host_registry()
    [result] = results(reg, apply(delete_dc_value(), delete_dc_key()))
    assert result["status"] == "applied"
    assert result["after"] == [
        {"hive": "HKLM", "path": DC, "view": 64, "name": "DisableEnterpriseAuthProxy", "exists": False},
        {"hive": "HKLM", "path": DC, "view": 64, "exists": False},
    ]
    assert not reg.key_exists("HKLM", DC)
    item = rf"{BACKUP_ROOT}\{BACKUP_ID}\1"
    assert reg.get_value("HKLM", item, "Action") == Value.string("delete_key")
    assert reg.get_value("HKLM", item, "ValueExisted") == Value.dword(0)


def test_delete_key_refuses_a_key_that_still_holds_values_and_rolls_back() -> None:
    reg = host_registry()
    before = reg.snapshot()
    [result] = results(reg, apply(delete_dc_key()))
    assert (result["status"], result["stage"], result["failed_index"]) == ("failed", "write", 0)
    assert result["error"] == f"key 'HKLM\\{DC}' is not empty: it still holds values or subkeys"
    assert result["rollback"] == {"ok": True}
    assert without_backups(reg) == without_backups(before)


def test_a_later_failure_brings_a_deleted_key_and_its_values_back() -> None:
    reg = host_registry()
    before = reg.snapshot()
    change = set_winhttp(32, NAMED, {"exists": False})
    [result] = results(reg, apply(delete_dc_value(), delete_dc_key(), change), fail_write_at=3)
    assert (result["status"], result["failed_index"], result["rollback"]) == ("failed", 2, {"ok": True})
    assert without_backups(reg) == without_backups(before)


# ---------------------------------------------------------------------------------------------
# read: wildcard key paths

IS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
SYSTEM_SID = "S-1-5-18"
ALICE = "S-1-5-21-3623811015-3361044348-30300820-1013"
BOB = "S-1-5-21-3623811015-3361044348-30300820-1014"


def users_registry() -> Registry:
    """HKU as Windows loads it: .DEFAULT, SYSTEM, two signed-in users (Bob has no Internet Settings)."""
    reg = Registry()
    reg.set_value("HKU", rf"{ALICE}\{IS}", "ProxyEnable", Value.dword(1))
    reg.set_value("HKU", rf"{ALICE}\{IS}", "ProxyServer", Value.string("proxy.corp.example:8080"))
    reg.create_key("HKU", rf"{ALICE}\{IS}\Connections")
    reg.set_value("HKU", rf"{SYSTEM_SID}\{IS}", "ProxyEnable", Value.dword(0))
    reg.create_key("HKU", rf"{BOB}\Software\Microsoft\Windows")  # the path stops short
    reg.create_key("HKU", rf"{ALICE}_Classes\Local Settings")
    reg.create_key("HKU", r".DEFAULT\Software")
    return reg


def wildcard_entry(hive: str, path: str, pattern: str, values: list[t.Any], subkeys: list[str]) -> dict[str, t.Any]:
    return {
        "hive": hive, "path": path, "view": 64, "pattern": pattern, "exists": True,
        "values": values, "subkeys": subkeys,
    }  # fmt: skip


def test_wildcard_read_gives_one_entry_per_user_hive_that_has_the_key() -> None:
    pattern = rf"*\{IS}"
    [result] = results(users_registry(), {"op": "read", "keys": [{"hive": "HKU", "path": pattern, "view": 64}]})
    assert result == {
        "op": "read",
        "status": "ok",
        "keys": [
            # Ordinal name order: "S-1-5-18" < "S-1-5-21-...".
            wildcard_entry(
                "HKU", rf"{SYSTEM_SID}\{IS}", pattern, [{"name": "ProxyEnable", "type": "dword", "data": 0}], []
            ),
            wildcard_entry(
                "HKU",
                rf"{ALICE}\{IS}",
                pattern,
                [
                    {"name": "ProxyEnable", "type": "dword", "data": 1},
                    {"name": "ProxyServer", "type": "string", "data": "proxy.corp.example:8080"},
                ],
                ["Connections"],
            ),
        ],
    }


def test_wildcards_keep_address_order_and_plain_addresses_still_report_missing_keys() -> None:
    keys = [
        {"hive": "HKU", "path": r"*\Software", "view": 64},
        {"hive": "HKU", "path": rf"{BOB}\{IS}", "view": 64},
        {"hive": "HKU", "path": r"*\Nothing\*", "view": 64},  # names nothing: no entry at all
        {"hive": "HKU", "path": "*", "view": 64},
    ]
    [result] = results(users_registry(), {"op": "read", "keys": keys})
    assert [(k["path"], k["exists"], k.get("pattern")) for k in result["keys"]] == [
        (r".DEFAULT\Software", True, r"*\Software"),
        (rf"{SYSTEM_SID}\Software", True, r"*\Software"),
        (rf"{ALICE}\Software", True, r"*\Software"),
        (rf"{BOB}\Software", True, r"*\Software"),
        (rf"{BOB}\{IS}", False, None),
        (".DEFAULT", True, "*"),
        (SYSTEM_SID, True, "*"),
        (ALICE, True, "*"),
        (f"{ALICE}_Classes", True, "*"),
        (BOB, True, "*"),
    ]


def test_nested_wildcards_expand_level_by_level_in_ordinal_order() -> None:
    reg = Registry()
    for vendor, product in (("b", "One"), ("A", "Two"), ("C", "Three"), ("A", "One"), ("b", "Two")):
        reg.set_value("HKLM", rf"SOFTWARE\Vendors\{vendor}\{product}\Proxy", "Server", Value.string(vendor + product))
    reg.create_key("HKLM", r"SOFTWARE\Vendors\C\Four")  # no Proxy below: no entry
    reg.create_key("HKLM", r"SOFTWARE\Vendors\Empty")
    [result] = results(
        reg, {"op": "read", "keys": [{"hive": "HKLM", "path": r"SOFTWARE\Vendors\*\*\Proxy", "view": 64}]}
    )
    # Ordinal: "A" < "C" < "b" (Windows itself enumerates A, b, C); "One" < "Three" < "Two".
    assert [(k["path"], k["values"][0]["data"]) for k in result["keys"]] == [
        (r"SOFTWARE\Vendors\A\One\Proxy", "AOne"),
        (r"SOFTWARE\Vendors\A\Two\Proxy", "ATwo"),
        (r"SOFTWARE\Vendors\C\Three\Proxy", "CThree"),
        (r"SOFTWARE\Vendors\b\One\Proxy", "bOne"),
        (r"SOFTWARE\Vendors\b\Two\Proxy", "bTwo"),
    ]
    # The literal names keep the requested case; the expanded ones are the stored names.
    [lower] = results(reg, {"op": "read", "keys": [{"hive": "HKLM", "path": r"software\vendors\*", "view": 64}]})
    assert [k["path"] for k in lower["keys"]] == [
        r"software\vendors\A", r"software\vendors\C", r"software\vendors\Empty", r"software\vendors\b",
    ]  # fmt: skip


def test_wildcard_read_that_matches_nothing_gives_no_entries() -> None:
    reg = users_registry()
    for path in (r"*\Nothing", r"Missing\*", rf"{BOB}\*\Nothing", r"*\*\*\*\*\*\*\*\*\*"):
        [result] = results(reg, {"op": "read", "keys": [{"hive": "HKU", "path": path, "view": 64}]})
        assert result == {"op": "read", "status": "ok", "keys": []}, path
    [empty] = results(Registry(), {"op": "read", "keys": [{"hive": "HKLM", "path": "*", "view": 64}]})
    assert empty["keys"] == []


def test_wildcard_read_in_the_32bit_view_lists_wow6432node() -> None:
    reg = Registry()
    reg.create_key("HKLM", r"SOFTWARE\Native\Proxy")
    reg.create_key("HKLM", r"SOFTWARE\Legacy\Proxy", view=32)
    read = {"op": "read", "keys": [{"hive": "HKLM", "path": r"SOFTWARE\*\Proxy", "view": view} for view in (64, 32)]}
    [result] = results(reg, read)
    assert [(k["path"], k["view"]) for k in result["keys"]] == [
        (r"SOFTWARE\Native\Proxy", 64),
        (r"SOFTWARE\Legacy\Proxy", 32),
    ]
    [root] = results(reg, {"op": "read", "keys": [{"hive": "HKLM", "path": r"*\Legacy", "view": 32}]})
    assert [k["path"] for k in root["keys"]] == [r"SOFTWARE\Legacy"]


NODES = r"SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device\*\Nodes\*"
PROXY_NODES = {"value": "NodeUri", "prefixes": ["./Vendor/MSFT/NetworkProxy", "./Device/Vendor/MSFT/NetworkProxy"]}


def node_cache() -> Registry:
    """An MDM node cache: nodes of other CSPs and three that start like the Network Proxy CSP's (any case)."""
    reg = Registry()
    base = r"SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device\MS DM Server\Nodes"
    for node, uri in enumerate(
        [
            "./Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode",
            "./vendor/msft/networkproxy/ProxyServer/ProxyAddress",
            "./Vendor/MSFT/NetworkProxyish",  # a prefix match: the controller checks the whole URI
            "./Device/Vendor/MSFT/Policy/Config/System/TelemetryProxy",
        ],
        start=1,
    ):
        reg.set_value("HKLM", rf"{base}\{node}", "NodeUri", Value.string(uri))
        reg.set_value("HKLM", rf"{base}\{node}", "ExpectedValue", Value.string(str(node)))
    expand = Value.string("./Device/Vendor/MSFT/NetworkProxy/AutoDetect", REG_EXPAND_SZ)
    reg.set_value("HKLM", rf"{base}\5", "NodeUri", expand)
    reg.set_value("HKLM", rf"{base}\6", "NodeUri", Value.dword(7))  # not a string: never matches
    reg.set_value("HKLM", rf"{base}\7", "ExpectedValue", Value.string("no NodeUri"))
    return reg


def test_match_keeps_only_the_wildcard_keys_whose_value_starts_with_a_prefix() -> None:
    [result] = results(
        node_cache(), {"op": "read", "keys": [{"hive": "HKLM", "path": NODES, "view": 64, "match": PROXY_NODES}]}
    )
    assert [(k["path"].rsplit("\\", 1)[1], k["pattern"]) for k in result["keys"]] == [
        ("2", NODES),
        ("3", NODES),
        ("5", NODES),
    ]
    assert result["keys"][0]["values"] == [
        {"name": "NodeUri", "type": "string", "data": "./vendor/msft/networkproxy/ProxyServer/ProxyAddress"},
        {"name": "ExpectedValue", "type": "string", "data": "2"},
    ]
    [everything] = results(node_cache(), {"op": "read", "keys": [{"hive": "HKLM", "path": NODES, "view": 64}]})
    assert len(everything["keys"]) == 7


@pytest.mark.parametrize(
    ("path", "match"),
    [
        (r"SOFTWARE\Microsoft\Provisioning", PROXY_NODES),  # no wildcard
        (NODES, {}),
        (NODES, {"value": "NodeUri", "prefixes": []}),
        (NODES, {"value": "NodeUri", "prefixes": [""]}),
        (NODES, {"value": 1, "prefixes": ["./"]}),
        (NODES, {"value": "NodeUri", "prefixes": "./"}),
        (NODES, ["NodeUri"]),
    ],
)
def test_an_invalid_match_fails_the_read(path: str, match: t.Any) -> None:
    keys = [{"hive": "HKLM", "path": NODES, "view": 64}, {"hive": "HKLM", "path": path, "view": 64, "match": match}]
    [result] = results(node_cache(), {"op": "read", "keys": keys})
    assert result == {"op": "read", "status": "error", "error": "keys[1]: invalid 'match'"}


def test_apply_rejects_wildcards() -> None:
    reg = host_registry()
    before = reg.snapshot()
    good = set_winhttp(32, NAMED, {"exists": False})
    for path in ("*", r"SOFTWARE\*\Connections", r"SOFTWARE\Policies\*"):
        bad = {**good, "path": path}
        assert results(reg, apply(good, bad)) == [
            {
                "op": "apply",
                "status": "error",
                "error": f"changes[1]: wildcard '*' in key path '{path}': wildcards are only allowed in read",
            }
        ]
    # Only a whole name is a wildcard: 'a*' is a literal key name.
    [result] = results(reg, apply({**good, "path": r"SOFTWARE\a*"}))
    assert result["status"] == "applied"
    assert reg.key_exists("HKLM", r"SOFTWARE\a*", view=32)
    assert without_backups(before).key_exists("HKLM", r"SOFTWARE\a*", view=32) is False


# ---------------------------------------------------------------------------------------------
# wmi_query

RSOP = "root\\rsop\\computer"
GPO_ID = "cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com"
BASELINE_ID = "cn={0D6E3F7A-2C51-4B8E-9F13-6A4C2B7D8E90},cn=policies,cn=system,DC=contoso,DC=com"
DC_KEY = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"


def rsop_row(value_name: str, gpo_id: str, precedence: int, value: bytes) -> dict[str, t.Any]:
    return {
        "id": f"{{{value_name}-{precedence}}}", "precedence": precedence, "GPOID": gpo_id,
        "SOMID": "OU=Workstations,DC=contoso,DC=com", "creationTime": "2026-03-02T07:41:12.0000000Z",
        "registryKey": DC_KEY, "valueName": value_name, "valueType": 1, "value": b64(value),
        "deleted": False, "command": "", "name": value_name,
    }  # fmt: skip


FACTS: dict[str, t.Any] = {
    "os_build": "22631",
    "wmi": {
        RSOP: {
            "RSOP_RegistryPolicySetting": [
                rsop_row("TelemetryProxyServer", GPO_ID, 1, "10.0.0.9:3128\0".encode("utf-16-le")),
                rsop_row("DisableEnterpriseAuthProxy", GPO_ID, 1, (1).to_bytes(4, "little")),
                rsop_row("TelemetryProxyServer", BASELINE_ID, 2, "10.0.0.6:8080\0".encode("utf-16-le")),
            ],
            "RSOP_GPO": [
                {"id": GPO_ID, "name": "Contoso MDE proxy", "guidName": "{5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8}",
                 "enabled": True, "extensionIds": ["{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"]},
                {"id": BASELINE_ID, "name": "Contoso Workstation Baseline"},
            ],
        },
        "root\\ccm": {},
    },
}  # fmt: skip


def wmi(class_name: str, properties: list[str], where: t.Any = None, namespace: str = RSOP) -> dict[str, t.Any]:
    op: dict[str, t.Any] = {"op": "wmi_query", "namespace": namespace, "class": class_name, "properties": properties}
    if where is not None:
        op["where"] = where
    return op


_DEFAULT_FACTS = object()


def wmi_results(*ops: dict[str, t.Any], facts: t.Any = _DEFAULT_FACTS) -> list[dict[str, t.Any]]:
    chosen = FACTS if facts is _DEFAULT_FACTS else facts
    response = run_request(Registry(), P.build_request(list(ops)), facts=chosen)
    assert response["ok"] is True, response
    found: list[dict[str, t.Any]] = response["results"]
    return found


def test_wmi_query_returns_only_the_listed_properties_in_order() -> None:
    [result] = wmi_results(wmi("RSOP_RegistryPolicySetting", ["valueName", "precedence", "GPOID", "value"]))
    assert result == {
        "op": "wmi_query",
        "status": "ok",
        "instances": [
            {"valueName": "TelemetryProxyServer", "precedence": 1, "GPOID": GPO_ID,
             "value": b64("10.0.0.9:3128\0".encode("utf-16-le"))},
            {"valueName": "DisableEnterpriseAuthProxy", "precedence": 1, "GPOID": GPO_ID, "value": "AQAAAA=="},
            {"valueName": "TelemetryProxyServer", "precedence": 2, "GPOID": BASELINE_ID,
             "value": b64("10.0.0.6:8080\0".encode("utf-16-le"))},
        ],
    }  # fmt: skip
    assert [list(row) for row in result["instances"]] == [["valueName", "precedence", "GPOID", "value"]] * 3


def test_wmi_query_names_are_case_insensitive_and_absent_properties_are_null() -> None:
    [result] = wmi_results(
        wmi("rsop_gpo", ["NAME", "guidName", "extensionIds", "version"], namespace="ROOT\\RSOP\\Computer")
    )
    assert result["instances"] == [
        {"NAME": "Contoso MDE proxy", "guidName": "{5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8}",
         "extensionIds": ["{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"], "version": None},
        {"NAME": "Contoso Workstation Baseline", "guidName": None, "extensionIds": None, "version": None},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("where", "names"),
    [
        ({"precedence": 1}, ["TelemetryProxyServer", "DisableEnterpriseAuthProxy"]),
        ({"precedence": 1, "valueName": "telemetryproxyserver"}, ["TelemetryProxyServer"]),  # strings ignore case
        ({"PRECEDENCE": 2}, ["TelemetryProxyServer"]),
        ({"precedence": "1"}, []),  # the same JSON kind only
        ({"deleted": False, "precedence": 2}, ["TelemetryProxyServer"]),
        ({"deleted": 0}, []),  # a number is not a boolean
        ({"precedence": True}, []),  # nor a boolean a number
        ({"command": None}, []),
        ({"missingProperty": None}, ["TelemetryProxyServer", "DisableEnterpriseAuthProxy", "TelemetryProxyServer"]),
        ({}, ["TelemetryProxyServer", "DisableEnterpriseAuthProxy", "TelemetryProxyServer"]),
    ],
)
def test_wmi_query_where_filters_by_equality_on_listed_properties(where: dict[str, t.Any], names: list[str]) -> None:
    properties = ["valueName", "precedence", "deleted", "command", "missingProperty"]
    [result] = wmi_results(wmi("RSOP_RegistryPolicySetting", properties, where))
    assert [row["valueName"] for row in result["instances"]] == names


def test_wmi_query_missing_namespace_or_class_is_not_an_error() -> None:
    missing_namespace = {"op": "wmi_query", "status": "ok", "instances": [], "missing": "namespace"}
    missing_class = {"op": "wmi_query", "status": "ok", "instances": [], "missing": "class"}
    assert wmi_results(
        wmi("RSOP_GPO", ["id"], namespace="root\\rsop\\user"),
        wmi("SMS_SCI_Component", ["ItemName"], namespace="root\\sms\\site_P01"),
        wmi("RSOP_Nothing", ["id"]),
        wmi("CCM_SoftwareUpdatesClientConfig", ["Enabled"], namespace="root\\ccm"),  # namespace with no classes
    ) == [missing_namespace, missing_namespace, missing_class, missing_class]
    # A host without facts (or without their wmi section) has no namespace at all.
    assert wmi_results(wmi("RSOP_GPO", ["id"]), facts=None) == [missing_namespace]
    assert wmi_results(wmi("RSOP_GPO", ["id"]), facts={"os_build": "1"}) == [missing_namespace]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"namespace": None}, "invalid namespace ''"),
        ({"namespace": "root\\rsop\\"}, "invalid namespace 'root\\rsop\\'"),
        ({"namespace": "\\\\.\\root\\cimv2"}, "invalid namespace '\\\\.\\root\\cimv2'"),
        ({"namespace": "root/cimv2"}, "invalid namespace 'root/cimv2'"),
        ({"namespace": "root\\\\cimv2"}, "invalid namespace 'root\\\\cimv2'"),
        ({"class": 5}, "invalid class name '5'"),
        ({"class": "RSOP_GPO WHERE 1=1"}, "invalid class name 'RSOP_GPO WHERE 1=1'"),
        ({"class": "Win32_Process'; Remove-Item C:\\"}, "invalid class name 'Win32_Process'; Remove-Item C:\\'"),
        ({"class": "RSOP_GPO\n"}, "invalid class name 'RSOP_GPO\n'"),
        ({"class": "Klasse\u00e9"}, "invalid class name 'Klasse\u00e9'"),
        ({"properties": []}, "invalid 'properties'"),
        ({"properties": "name"}, "invalid 'properties'"),
        ({"properties": ["name", 1]}, "invalid properties[1]"),
        ({"properties": ["name", "*"]}, "invalid properties[1]"),
        ({"properties": ["name", "a.b"]}, "invalid properties[1]"),
        ({"properties": ["name", "id", "Name"]}, "duplicate properties[2]"),
        ({"where": [["name", "x"]]}, "invalid 'where'"),
        ({"where": "name = 'x'"}, "invalid 'where'"),
        ({"where": {"guidName": "x"}}, "invalid 'where' property 'guidName'"),
        ({"where": {"name": 1.5}}, "invalid 'where' value of 'name'"),
        ({"where": {"name": ["a"]}}, "invalid 'where' value of 'name'"),
        ({"where": {"name": {"like": "a%"}}}, "invalid 'where' value of 'name'"),
    ],
)
def test_wmi_query_validation(change: dict[str, t.Any], error: str) -> None:
    op = {**wmi("RSOP_GPO", ["name", "id"]), **change}
    assert wmi_results(op) == [{"op": "wmi_query", "status": "error", "error": error}]


USER_A = "S-1-5-21-3623811015-3361044348-30300820-1105"
USER_B = "S-1-12-1-1111111111-2222222222-3333333333-4444444444"
USER_C = "S-1-5-21-3623811015-3361044348-30300820-1107"


def user_hives() -> Registry:
    """HKU with three users (two with RSoP), services, .DEFAULT and a _Classes hive."""
    reg = Registry()
    for name in (".DEFAULT", "S-1-5-18", "S-1-5-19", USER_C, USER_A, USER_A + "_Classes", USER_B):
        reg.create_key("HKU", name + "\\Software")
    return reg


def per_user(most: int) -> dict[str, t.Any]:
    return {**wmi("RSOP_PolmkrSetting", ["GPOID"], namespace="root\\rsop\\user"), "per_user": True, "max_users": most}


USER_FACTS = {
    "wmi": {
        "root\\rsop\\user\\" + USER_A.replace("-", "_"): {"RSOP_PolmkrSetting": [{"GPOID": "a", "id": "1"}]},
        "root\\rsop\\user\\" + USER_B.replace("-", "_"): {"RSOP_GPO": []},
    }
}


def test_per_user_wmi_query_reads_each_loaded_users_namespace_in_ordinal_order() -> None:
    response = run_request(user_hives(), P.build_request([per_user(64), per_user(2)]), facts=USER_FACTS)
    assert response["results"] == [
        {
            "op": "wmi_query",
            "status": "ok",
            "users": [
                {"sid": USER_B, "instances": [], "missing": "class"},  # "S-1-1" < "S-1-5": ordinal
                {"sid": USER_A, "instances": [{"GPOID": "a"}]},
                {"sid": USER_C, "instances": [], "missing": "namespace"},
            ],
            "not_queried": 0,
        },
        {
            "op": "wmi_query",
            "status": "ok",
            "users": [
                {"sid": USER_B, "instances": [], "missing": "class"},
                {"sid": USER_A, "instances": [{"GPOID": "a"}]},
            ],
            "not_queried": 1,
        },
    ]


def test_wmi_query_runs_beside_read_and_apply_in_one_request() -> None:
    reg = host_registry()
    response = run_request(
        reg,
        P.build_request(
            [
                {"op": "read", "keys": [{"hive": "HKLM", "path": DC_KEY, "view": 64}]},
                apply(set_winhttp(32, NAMED, {"exists": False})),
                wmi(
                    "RSOP_RegistryPolicySetting", ["registryKey", "valueName", "GPOID", "precedence"], {"precedence": 1}
                ),
                wmi("RSOP_GPO", ["id", "name"]),
                {**wmi("RSOP_GPO", ["id"]), "class": "bad name"},
            ]
        ),
        facts=FACTS,
        clock=clock,
    )
    assert [r["status"] for r in response["results"]] == ["ok", "applied", "ok", "ok", "error"]
    assert response["results"][4]["error"] == "invalid class name 'bad name'"
    settings, gpos = response["results"][2:4]
    names = {gpo["id"]: gpo["name"] for gpo in gpos["instances"]}
    owners = {(row["registryKey"], row["valueName"]): names[row["GPOID"]] for row in settings["instances"]}
    assert owners == {
        (DC_KEY, "TelemetryProxyServer"): "Contoso MDE proxy",
        (DC_KEY, "DisableEnterpriseAuthProxy"): "Contoso MDE proxy",
    }


# ---------------------------------------------------------------------------------------------
# service


def service(name: t.Any, action: t.Any = "restart", only_if_running: t.Any = True) -> dict[str, t.Any]:
    return {"op": "service", "name": name, "action": action, "only_if_running": only_if_running}


def service_results(facts: dict[str, t.Any], *ops: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    response = run_request(Registry(), P.build_request(list(ops)), facts=facts)
    assert response["ok"] is True, response
    found: list[dict[str, t.Any]] = response["results"]
    return found


def test_service_restarts_a_running_service_and_leaves_a_stopped_one() -> None:
    facts: dict[str, t.Any] = {"services": {"DoSvc": {"status": "Running"}, "Sense": {"status": "Stopped"}}}
    assert service_results(facts, service("dosvc"), service("Sense"), service("Sense", "query")) == [
        {
            "op": "service",
            "status": "ok",
            "name": "DoSvc",
            "before": "Running",
            "after": "Running",
            "restarted": True,
            "dependents": [],
        },
        {
            "op": "service",
            "status": "ok",
            "name": "Sense",
            "before": "Stopped",
            "after": "Stopped",
            "restarted": False,
            "dependents": [],
        },
        {
            "op": "service",
            "status": "ok",
            "name": "Sense",
            "before": "Stopped",
            "after": "Stopped",
            "restarted": False,
            "dependents": [],
        },
    ]
    assert facts["services"]["DoSvc"]["restarts"] == 1
    (started,) = service_results(facts, service("Sense", only_if_running=False))
    assert (started["after"], started["restarted"]) == ("Running", True)


def test_service_defaults_and_missing_services() -> None:
    facts: dict[str, t.Any] = {}
    assert service_results(facts, service("NoSuchSvc", "query")) == [
        {"op": "service", "status": "missing", "name": "NoSuchSvc"}
    ]
    defaults = [service_results(facts, service(name, "query"))[0]["status"] for name in DEFAULT_SERVICES]
    assert list(DEFAULT_SERVICES) == ["DoSvc", "Sense", "WinDefend", "WinHttpAutoProxySvc"]
    assert defaults == ["ok", "ok", "ok", "ok"]
    # The defaults are not written into the host's facts (which the simulator may save).
    service_results(facts, service("DoSvc"))
    assert facts == {}


@pytest.mark.parametrize(
    ("op", "error"),
    [
        (service("Do*"), "invalid service name 'Do*'"),
        (service("a\\b"), "invalid service name 'a\\b'"),
        (service("a\nb"), "invalid service name 'a\nb'"),
        (service(7), "invalid service name '7'"),
        (service("DoSvc", "stop"), "unknown service action 'stop'"),
    ],
)
def test_service_input_errors(op: dict[str, t.Any], error: str) -> None:
    assert service_results({}, op) == [{"op": "service", "status": "error", "error": error}]


# Behaviour changed on purpose (issue 18.3, 17.9): the controller validates service names; the agent
# guards only what could name several services or a path, so real names ('MSSQL$SQLEXPRESS', names with
# spaces) reach the host, and only_if_running is read as a flag (anything but false is true).
def test_service_accepts_real_service_names() -> None:
    facts: dict[str, t.Any] = {"services": {"MSSQL$SQLEXPRESS": {"status": "Stopped"}, "My Svc": {"status": "Running"}}}
    assert [r["status"] for r in service_results(facts, service("MSSQL$SQLEXPRESS"), service("My Svc"))] == ["ok", "ok"]


def test_service_restart_leaves_dependents_as_found() -> None:
    facts: dict[str, t.Any] = {
        "services": {
            "WinHttpAutoProxySvc": {"status": "Running", "dependents": ["iphlpsvc", "Idle"]},
            "iphlpsvc": {"status": "Running"},
            "Idle": {"status": "Stopped"},
        }
    }
    (result,) = service_results(facts, service("WinHttpAutoProxySvc"))
    assert result == {
        "op": "service", "status": "ok", "name": "WinHttpAutoProxySvc", "before": "Running", "after": "Running",
        "restarted": True, "dependents": [{"name": "iphlpsvc", "status": "Running"}],
    }  # fmt: skip
    assert facts["services"]["Idle"]["status"] == "Stopped"


@pytest.mark.parametrize(
    ("hangs", "before", "left", "wanted"),
    [("stop", "Running", "StopPending", "Stopped"), ("start", "Running", "StartPending", "Running")],
)
def test_service_timeout_says_the_state_left(hangs: str, before: str, left: str, wanted: str) -> None:
    facts: dict[str, t.Any] = {"services": {"DoSvc": {"status": before, "hangs": hangs}}}
    (result,) = service_results(facts, service("DoSvc"))
    assert result["status"] == "failed" and result["restarted"] is False and result["after"] == left
    assert result["error"] == f"service 'DoSvc' did not reach {wanted} within 60 s; it is left {left}"


@pytest.mark.parametrize(("state", "only_if_running"), [("StartPending", True), ("StopPending", False)])
def test_service_pending_states_are_waited_for(state: str, only_if_running: bool) -> None:
    facts: dict[str, t.Any] = {"services": {"DoSvc": {"status": state}}}
    (result,) = service_results(facts, service("DoSvc", only_if_running=only_if_running))
    assert (result["before"], result["after"], result["restarted"]) == (state, "Running", True)
    # A service on its way down is not "running": only_if_running leaves it alone.
    facts["services"]["DoSvc"]["status"] = "StopPending"
    (left,) = service_results(facts, service("DoSvc"))
    assert (left["after"], left["restarted"]) == ("StopPending", False)


def test_service_missing_is_not_access_denied() -> None:
    facts: dict[str, t.Any] = {"services": {"Sense": {"status": "Running", "access": "denied"}}}
    assert service_results(facts, service("Sense"), service("Gone")) == [
        {"op": "service", "status": "denied", "name": "Sense", "error": "access to service 'Sense' is denied"},
        {"op": "service", "status": "missing", "name": "Gone"},
    ]


def test_service_without_its_assembly_fails_naming_it() -> None:
    facts: dict[str, t.Any] = {"missing_assemblies": ["System.ServiceProcess"]}
    (result,) = service_results(facts, service("DoSvc"))
    assert result == {
        "op": "service",
        "status": "error",
        "error": "the .NET assembly System.ServiceProcess could not be loaded: Cannot add type. The assembly"
        " 'System.ServiceProcess' could not be found.",
    }


# Changed on purpose (issue 18.9: the controller validates, the agent only guards what would harm the
# host): an 'expect' without type and data is no longer an input error; it cannot match, so nothing is written.
def test_a_malformed_expect_fails_the_precondition() -> None:
    reg = host_registry()
    before = reg.snapshot()
    bad = set_winhttp(64, NAMED, {"exists": True})
    [result] = results(reg, apply(bad))
    assert result["status"] == "precondition_failed"
    assert reg == before
