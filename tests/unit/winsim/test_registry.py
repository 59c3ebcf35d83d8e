"""Tests for tests.winsim.registry: case rules, views, typed values, .reg load and save."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from tests.winsim import regfile
from tests.winsim.regfile import Value
from tests.winsim.registry import Registry, RegistryError, from_protocol, to_protocol, view_parts

CONN = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"


def test_keys_and_values_are_case_insensitive_and_case_preserving() -> None:
    reg = Registry()
    reg.set_value("HKLM", r"SOFTWARE\MyKey", "MyValue", Value.dword(1))
    assert reg.get_value("hklm", r"software\MYKEY", "myvalue") == Value.dword(1)
    reg.set_value("HKLM", r"software\mykey", "MYVALUE", Value.dword(2))
    assert reg.values("HKLM", r"SOFTWARE\MyKey") == [("MyValue", Value.dword(2))]
    assert reg.subkey_names("HKLM", "SOFTWARE") == ["MyKey"]
    assert reg.subkey_names("HKLM", "") == ["SOFTWARE"]


def test_values_keep_their_order_and_subkeys_sort_case_insensitively() -> None:
    reg = Registry()
    for name in ("b", "A", "c"):
        reg.set_value("HKCU", r"K", name, Value.string(name))
        reg.create_key("HKCU", f"K\\{name}")
    reg.set_value("HKCU", "K", "A", Value.string("again"))
    assert [name for name, _value in reg.values("HKCU", "K")] == ["b", "A", "c"]
    assert reg.subkey_names("HKCU", "K") == ["A", "b", "c"]


def test_missing_keys_and_values() -> None:
    reg = Registry()
    assert not reg.key_exists("HKLM", r"SOFTWARE\Nope")
    assert reg.get_value("HKLM", r"SOFTWARE\Nope", "x") is None
    assert reg.values("HKLM", r"SOFTWARE\Nope") == []
    assert reg.subkey_names("HKLM", r"SOFTWARE\Nope") == []
    assert reg.key_exists("HKLM", "")  # hive roots always exist
    assert not reg.delete_value("HKLM", r"SOFTWARE\Nope", "x")
    assert not reg.delete_key("HKLM", r"SOFTWARE\Nope")


def test_create_key_reports_the_topmost_key_created() -> None:
    reg = Registry()
    reg.create_key("HKLM", r"SOFTWARE\A")
    # The path comes back as requested (case included): what delete_key needs to undo it.
    assert reg.create_key("HKLM", r"SOFTWARE\a\B\C") == r"SOFTWARE\a\B"
    assert reg.create_key("HKLM", r"SOFTWARE\A\B\C") is None
    assert reg.create_key("HKLM", r"SOFTWARE\X\Y", view=32) == r"SOFTWARE\WOW6432Node"
    assert reg.delete_key("HKLM", r"SOFTWARE\A\B")
    assert reg.subkey_names("HKLM", r"SOFTWARE\A") == []


@pytest.mark.parametrize(
    ("hive", "path", "view", "resolved"),
    [
        ("HKEY_LOCAL_MACHINE", r"SOFTWARE\X\Y", 32, r"SOFTWARE\WOW6432Node\X\Y"),
        ("HKEY_LOCAL_MACHINE", r"software\X", 32, r"software\WOW6432Node\X"),
        ("HKEY_LOCAL_MACHINE", "SOFTWARE", 32, r"SOFTWARE\WOW6432Node"),
        ("HKEY_LOCAL_MACHINE", r"SOFTWARE\Wow6432Node\X", 32, r"SOFTWARE\Wow6432Node\X"),
        ("HKEY_LOCAL_MACHINE", r"SOFTWARE\X", 64, r"SOFTWARE\X"),
        ("HKEY_LOCAL_MACHINE", r"SYSTEM\CurrentControlSet", 32, r"SYSTEM\CurrentControlSet"),
        ("HKEY_CURRENT_USER", r"Software\X", 32, r"Software\X"),
        ("HKEY_LOCAL_MACHINE", "", 32, ""),
    ],
)
def test_view_redirection(hive: str, path: str, view: int, resolved: str) -> None:
    parts = path.split("\\") if path else []
    assert "\\".join(view_parts(hive, parts, view)) == resolved


def test_32bit_view_reads_and_writes_wow6432node() -> None:
    reg = Registry()
    reg.set_value("HKLM", CONN, "WinHttpSettings", Value(3, b"\x18"), view=32)
    assert reg.get_value("HKLM", CONN, "WinHttpSettings") is None
    assert reg.get_value("HKLM", CONN.replace("SOFTWARE", r"SOFTWARE\WOW6432Node"), "WinHttpSettings") == Value(
        3, b"\x18"
    )
    assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=32) == Value(3, b"\x18")
    assert reg.subkey_names("HKLM", "SOFTWARE") == ["WOW6432Node"]
    assert reg.subkey_names("HKLM", "SOFTWARE", view=32) == ["Microsoft"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: r.key_exists("HKXX", "A"), "unknown hive 'HKXX' (expected HKLM, HKCU, HKU or HKCR)"),
        (
            lambda r: r.key_exists("HKLM", "\\A"),
            "malformed key path '\\\\A' (empty name, or a leading/trailing/double backslash)",
        ),
        (
            lambda r: r.key_exists("HKLM", "A\\"),
            "malformed key path 'A\\\\' (empty name, or a leading/trailing/double backslash)",
        ),
        (lambda r: r.key_exists("HKLM", "A", view=16), "unknown registry view 16 (expected 64 or 32)"),
        (lambda r: r.key_exists("HKLM", "A" * 256), f"key name longer than 255 characters in '{'A' * 256}'"),
        (lambda r: r.delete_key("HKLM", ""), "cannot delete the hive root HKEY_LOCAL_MACHINE"),
    ],
)
def test_bad_addresses(call: object, message: str) -> None:
    with pytest.raises(RegistryError) as info:
        call(Registry())  # type: ignore[operator]
    assert str(info.value) == message


# ---------------------------------------------------------------------------------------------
# Protocol values


@pytest.mark.parametrize(
    ("type_name", "data", "value"),
    [
        ("string", "a b", Value.string("a b")),
        ("string", "", Value(1, b"\0\0")),
        ("expandstring", "%TEMP%", Value.string("%TEMP%", regfile.REG_EXPAND_SZ)),
        ("multistring", ["a", "", "b"], Value.multi(["a", "", "b"])),
        ("multistring", [], Value(7, b"\0\0")),
        ("dword", 4294967295, Value(4, b"\xff\xff\xff\xff")),
        ("qword", 2**64 - 1, Value(11, b"\xff" * 8)),
        ("binary", "GAAAAA==", Value(3, b"\x18\0\0\0")),
        ("none", "", Value(0, b"")),
    ],
)
def test_protocol_round_trip(type_name: str, data: object, value: Value) -> None:
    assert from_protocol(type_name, data) == value
    assert to_protocol(value) == (type_name, data)


@pytest.mark.parametrize(
    ("value", "reported"),
    [
        (Value(5, b"\0\0\0\1"), ("none", "AAAAAQ==")),  # REG_DWORD_BIG_ENDIAN: .NET sees Unknown + bytes
        (Value(4, b"\1\0"), ("none", "AQA=")),  # a DWORD of the wrong size
        (Value(1, b"a\0b"), ("string", "a")),  # odd trailing byte dropped, no terminator
        (Value(7, "a\0b\0\0".encode("utf-16-le")), ("multistring", ["a", "b"])),
    ],
)
def test_protocol_view_of_odd_values(value: Value, reported: tuple[str, object]) -> None:
    assert to_protocol(value) == reported


@pytest.mark.parametrize(
    ("type_name", "data", "message"),
    [
        (
            "REG_SZ",
            "x",
            "unknown value type 'REG_SZ' (expected one of string, expandstring, multistring, dword, qword, binary, "
            "none)",
        ),
        ("dword", 4294967296, "dword data 4294967296 is out of range 0..4294967295"),
        ("dword", -1, "dword data -1 is out of range 0..4294967295"),
        ("dword", True, "dword data must be an integer 0..4294967295, got boolean"),
        ("dword", "1", "dword data must be an integer 0..4294967295, got string"),
        ("qword", 2**64, "qword data 18446744073709551616 is out of range 0..18446744073709551615"),
        ("qword", 1.5, "qword data must be an integer 0..18446744073709551615, got number"),
        ("string", 1, "string data must be a string, got number"),
        ("multistring", ["a", 1], "multistring data must be a list of strings, got array"),
        ("binary", "not base64!", "binary data is not valid base64: 'not base64!'"),
        ("none", None, "none data must be a base64 string, got null"),
    ],
)
def test_protocol_value_errors(type_name: str, data: object, message: str) -> None:
    with pytest.raises(RegistryError) as info:
        from_protocol(type_name, data)
    assert str(info.value) == message


# ---------------------------------------------------------------------------------------------
# .reg load and save, snapshots


def sample() -> Registry:
    reg = Registry()
    reg.set_value("HKLM", CONN, "WinHttpSettings", Value(3, bytes.fromhex("1800000000000000010000000000000000000000")))
    reg.set_value("HKLM", CONN, "WinHttpSettings", Value(3, bytes(20)), view=32)
    reg.set_value(
        "HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DataCollection", "TelemetryProxyServer", Value.string("p:1")
    )
    reg.set_value("HKCU", r"Software\X", "", Value.multi(["a"]))
    reg.set_value("HKU", "", "RootValue", Value.qword(7))
    reg.create_key("HKCR", r".txt\Empty")
    return reg


def test_dump_lists_every_key_parent_first() -> None:
    text = sample().dumps()[2:].decode("utf-16-le")
    keys = [line for line in text.split("\r\n") if line.startswith("[")]
    # Hives in regedit's "export all" order (HKCR, HKCU, HKLM, HKU), each tree depth first.
    assert keys == [
        r"[HKEY_CLASSES_ROOT\.txt]",
        r"[HKEY_CLASSES_ROOT\.txt\Empty]",
        r"[HKEY_CURRENT_USER\Software]",
        r"[HKEY_CURRENT_USER\Software\X]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\DataCollection]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings]",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]",
        r"[HKEY_USERS]",
    ]


def test_load_dump_round_trip(tmp_path: Path) -> None:
    reg = sample()
    path = tmp_path / "host.reg"
    reg.save(path)
    assert path.read_bytes().startswith(codecs.BOM_UTF16_LE)
    assert [p.name for p in tmp_path.iterdir()] == ["host.reg"]  # no temp file left behind
    loaded = Registry.load(path)
    assert loaded == reg
    assert loaded.dumps() == path.read_bytes()


def test_import_applies_deletions_in_order() -> None:
    text = (
        "Windows Registry Editor Version 5.00\n\n"
        '[HKLM\\SOFTWARE\\A\\B]\n"x"=dword:1\n"y"=dword:2\n\n'
        "[-HKLM\\SOFTWARE\\A\\B]\n\n"
        '[HKLM\\SOFTWARE\\A]\n"z"="v"\n"z"=-\n"w"="v"\n'
    )
    reg = Registry.from_sections(regfile.parse(text))
    assert reg.subkey_names("HKLM", r"SOFTWARE\A") == []
    assert reg.values("HKLM", r"SOFTWARE\A") == [("w", Value.string("v"))]
    with pytest.raises(RegistryError, match="cannot delete the hive root"):
        Registry.from_sections(regfile.parse("REGEDIT4\n[-HKLM]\n"))


def test_snapshot_is_independent_and_compares_exactly() -> None:
    reg = sample()
    snap = reg.snapshot()
    assert snap == reg
    reg.set_value("HKLM", CONN, "WinHttpSettings", Value(3, b"changed"))
    assert snap != reg
    reg.restore(snap)
    assert snap == reg
    # Value order has no meaning; name case does.
    reg.delete_value("HKCU", r"Software\X", "")
    reg.set_value("HKCU", r"Software\X", "", Value.multi(["a"]))
    assert snap == reg
    reg.set_value(
        "HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DataCollection", "telemetryproxyserver", Value.string("p:1")
    )
    assert snap == reg  # an overwrite keeps the stored name
    reg.delete_value("HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DataCollection", "TelemetryProxyServer")
    reg.set_value(
        "HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DataCollection", "telemetryproxyserver", Value.string("p:1")
    )
    assert snap != reg
