"""Tests for tests.winsim.regfile: regedit's .reg format, read and written exactly."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.winsim import regfile
from tests.winsim.regfile import RegFileError, Section, Value

CONNECTIONS = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"

# A realistic `reg export`, byte for byte as regedit writes it (wrapping, order, final blank line).
EXPORT = "\r\n".join(
    [
        "Windows Registry Editor Version 5.00",
        "",
        f"[{CONNECTIONS}]",
        '"DefaultConnectionSettings"=hex:46,00,00,00,03,00,00,00,01,00,00,00,00,00,00,\\',
        "  00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,\\",
        "  00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00",
        '"WinHttpSettings"=hex:18,00,00,00,00,00,00,00,01,00,00,00,00,00,00,00,00,00,00,\\',
        "  00",
        "",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\DataCollection]",
        '"TelemetryProxyServer"="10.0.0.6:8080"',
        '"DisableEnterpriseAuthProxy"=dword:00000001',
        "",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Test]",
        r'@="default \"quoted\" C:\\path\\"',
        '"Expand"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,\\',
        "  00,25,00,5c,00,78,00,00,00",
        '"Multi"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00',
        '"Big"=hex(b):00,01,00,00,00,00,00,00',
        '"Nothing"=hex(0):',
        '"BigEndian"=hex(5):00,00,00,01',
        '"Empty"=""',
        "",
        "",
    ]
)


def utf16(text: str) -> bytes:
    """Encode as regedit does: UTF-16 LE with BOM."""
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def expected_sections() -> list[Section]:
    return [
        Section(
            CONNECTIONS,
            values=[
                ("DefaultConnectionSettings", Value(3, bytes.fromhex("46000000030000000100000000") + bytes(42))),
                ("WinHttpSettings", Value(3, bytes.fromhex("1800000000000000010000000000000000000000"))),
            ],
        ),
        Section(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\DataCollection",
            values=[
                ("TelemetryProxyServer", Value.string("10.0.0.6:8080")),
                ("DisableEnterpriseAuthProxy", Value.dword(1)),
            ],
        ),
        Section(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Test",
            values=[
                ("", Value.string('default "quoted" C:\\path\\')),
                ("Expand", Value.string("%SystemRoot%\\x", regfile.REG_EXPAND_SZ)),
                ("Multi", Value.multi(["a", "bc"])),
                ("Big", Value.qword(256)),
                ("Nothing", Value(regfile.REG_NONE, b"")),
                ("BigEndian", Value(5, b"\x00\x00\x00\x01")),
                ("Empty", Value.string("")),
            ],
        ),
    ]


def test_parse_realistic_utf16_export() -> None:
    assert regfile.parse(utf16(EXPORT)) == expected_sections()


def test_export_round_trips_byte_for_byte() -> None:
    data = utf16(EXPORT)
    assert regfile.dumps(regfile.parse(data)) == data


def test_typed_bytes_are_what_the_registry_stores() -> None:
    values = dict(regfile.parse(utf16(EXPORT))[2].values)
    assert values["Expand"].raw == "%SystemRoot%\\x\0".encode("utf-16-le")
    assert values["Multi"].raw == "a\0bc\0\0".encode("utf-16-le")
    assert values["Big"].raw == (256).to_bytes(8, "little")
    assert values[""].raw == 'default "quoted" C:\\path\\\0'.encode("utf-16-le")


@pytest.mark.parametrize(
    "data",
    [
        EXPORT.encode("utf-8"),
        codecs.BOM_UTF8 + EXPORT.encode("utf-8"),
        EXPORT.replace("\r\n", "\n").encode("utf-8"),
        EXPORT.encode("utf-16-le"),  # UTF-16 without BOM
        EXPORT,
    ],
    ids=["utf8", "utf8-bom", "lf", "utf16-no-bom", "str"],
)
def test_other_encodings_parse_the_same(data: bytes | str) -> None:
    assert regfile.parse(data) == expected_sections()


def test_writer_format_details() -> None:
    out = regfile.dumps(expected_sections())
    assert out.startswith(codecs.BOM_UTF16_LE + "Windows Registry Editor Version 5.00\r\n\r\n[".encode("utf-16-le"))
    assert out.endswith('"Empty"=""\r\n\r\n'.encode("utf-16-le"))
    text = out[2:].decode("utf-16-le")
    assert "\n" not in text.replace("\r\n", "")
    assert max(len(line) for line in text.split("\r\n")) <= 80


def test_keys_are_written_parent_before_child_siblings_by_name() -> None:
    sections = [
        Section(r"HKEY_LOCAL_MACHINE\SOFTWARE\b"),
        Section(r"HKEY_LOCAL_MACHINE\SOFTWARE\A b"),
        Section(r"HKEY_LOCAL_MACHINE\SOFTWARE\A\c"),
        Section(r"HKEY_LOCAL_MACHINE\SOFTWARE\a"),
        Section(r"HKEY_LOCAL_MACHINE\SOFTWARE"),
    ]
    paths = [s.path for s in regfile.parse(regfile.dumps(sections))]
    # Depth first: "a" and its child come before the sibling "A b" (a flat string sort would not).
    assert paths == [
        r"HKEY_LOCAL_MACHINE\SOFTWARE",
        r"HKEY_LOCAL_MACHINE\SOFTWARE\a",
        r"HKEY_LOCAL_MACHINE\SOFTWARE\A\c",
        r"HKEY_LOCAL_MACHINE\SOFTWARE\A b",
        r"HKEY_LOCAL_MACHINE\SOFTWARE\b",
    ]


def test_sort_false_keeps_the_given_order() -> None:
    sections = [Section("HKEY_CURRENT_USER\\B"), Section("HKEY_CURRENT_USER\\A", delete=True)]
    assert [s.path for s in regfile.parse(regfile.dumps(sections, sort=False))] == [
        "HKEY_CURRENT_USER\\B",
        "HKEY_CURRENT_USER\\A",
    ]
