"""Tests for tests.winsim.regfile: regedit's .reg format, read and written exactly."""

from __future__ import annotations

import codecs
import typing as t

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
                ("DefaultConnectionSettings", Value(3, bytes.fromhex("460000000300000001000000") + bytes(44))),
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
    values: dict[str, t.Any] = dict(regfile.parse(utf16(EXPORT))[2].values)
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
    hex_lines = [line for line in text.split("\r\n") if "hex" in line or line.startswith("  ")]
    assert len(hex_lines) == 11
    assert max(len(line) for line in hex_lines) <= 80


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


def body(sections: list[Section]) -> list[str]:
    """The lines of ``dumps`` output after the header."""
    return regfile.dumps(sections)[2:].decode("utf-16-le").split("\r\n")[2:]


def test_hex_wraps_like_regedit() -> None:
    lines = body([Section("HKEY_USERS\\K", values=[("WinHttpSettings", Value(3, bytes(19)))])])
    # "WinHttpSettings"=hex: is 22 characters; the line breaks once it reaches 77.
    assert lines[1:] == ['"WinHttpSettings"=hex:' + ",".join(["00"] * 18) + ",00", "", ""]
    lines = body([Section("HKEY_USERS\\K", values=[("WinHttpSettings", Value(3, bytes(20)))])])
    assert lines[1:] == ['"WinHttpSettings"=hex:' + "00," * 19 + "\\", "  00", "", ""]
    lines = body([Section("HKEY_USERS\\K", values=[("b", Value(3, bytes(100)))])])
    assert lines[1:] == [
        '"b"=hex:' + "00," * 23 + "\\",
        "  " + "00," * 25 + "\\",
        "  " + "00," * 25 + "\\",
        "  " + "00," * 25 + "\\",
        "  00,00",
        "",
        "",
    ]


def test_long_name_puts_one_byte_on_the_first_line() -> None:
    name = "N" * 80
    lines = body([Section("HKEY_USERS\\K", values=[(name, Value(3, b"\x01\x02"))])])
    assert lines[1:3] == [f'"{name}"=hex:01,\\', "  02"]


@pytest.mark.parametrize(
    ("value", "line"),
    [
        (Value(3, b""), '"v"=hex:'),
        (Value(0, b""), '"v"=hex(0):'),
        (Value(0, b"\xab"), '"v"=hex(0):ab'),
        (Value.dword(0xFFFFFFFF), '"v"=dword:ffffffff'),
        (Value(4, b"\x01\x02"), '"v"=hex(4):01,02'),  # a DWORD of the wrong size stays raw
        (Value.qword(1), '"v"=hex(b):01,00,00,00,00,00,00,00'),
        (Value(0x20000000, b"\x01"), '"v"=hex(20000000):01'),
        (Value.string("a\nb"), '"v"=hex(1):61,00,0a,00,62,00,00,00'),  # no line break in a quoted string
        (Value(1, b"a\x00\x00\x00"), '"v"="a"'),
        (Value(1, b"a"), '"v"=hex(1):61'),  # not NUL-terminated: only hex reproduces it
        (Value.string('"\\'), r'"v"="\"\\"'),
        (None, '"v"=-'),
    ],
)
def test_value_lines(value: Value | None, line: str) -> None:
    sections = [Section("HKEY_USERS\\K", values=[("v", value)])]
    assert body(sections)[1] == line
    assert regfile.parse(regfile.dumps(sections)) == sections


def test_default_value_and_escaped_names() -> None:
    sections = [Section("HKEY_USERS\\K", values=[("", Value.string("d")), ('a"b\\c', Value.dword(2))])]
    assert body(sections)[:3] == ["[HKEY_USERS\\K]", '@="d"', r'"a\"b\\c"=dword:00000002']
    assert regfile.parse(regfile.dumps(sections)) == sections


def test_deletions_parse_and_write() -> None:
    text = (
        'Windows Registry Editor Version 5.00\n\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Gone]\n\n[HKLM\\SOFTWARE\\K]\n"x"=-\n'
    )
    sections = regfile.parse(text)
    assert sections == [
        Section("HKEY_LOCAL_MACHINE\\SOFTWARE\\Gone", delete=True),
        Section("HKEY_LOCAL_MACHINE\\SOFTWARE\\K", values=[("x", None)]),
    ]
    assert body(sections)[:4] == [
        "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Gone]",
        "",
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\K]",
        '"x"=-',
    ]


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("HKLM", "HKEY_LOCAL_MACHINE"),
        ("HKCU", "HKEY_CURRENT_USER"),
        ("hku", "HKEY_USERS"),
        ("HKCR", "HKEY_CLASSES_ROOT"),
    ],
)
def test_short_hive_names_map_to_full_names(short: str, full: str) -> None:
    sections = regfile.parse(f"REGEDIT4\r\n\r\n[{short}\\Software\\X]\r\n")
    assert sections == [Section(f"{full}\\Software\\X")]


def test_regedit4_strings_are_ansi_and_become_utf16() -> None:
    text = 'REGEDIT4\n\n[HKLM\\S]\n"e"=hex(2):25,41,25,00\n"m"=hex(7):61,00,e9,00,00\n"s"="plain"\n'
    values = dict(regfile.parse(text)[0].values)
    assert values["e"] == Value.string("%A%", regfile.REG_EXPAND_SZ)
    assert values["m"] == Value.multi(["a", "\u00e9"])
    assert values["s"] == Value.string("plain")


def test_comments_blank_lines_spaces_and_continuations_are_tolerated() -> None:
    text = (
        "Windows Registry Editor Version 5.00\r\n"
        "; a comment\r\n"
        "[HKLM\\S]  \r\n"
        '"b" = hex:01, 02,\\\r\n'
        "      03,\\\r\n"
        "\t04\r\n"
        '"dw"=dword:A\r\n'
        '"path"="C:\\\\"\r\n'
        '"lit"="a\\b"\r\n'
    )
    assert regfile.parse(text) == [
        Section(
            "HKEY_LOCAL_MACHINE\\S",
            values=[
                ("b", Value(3, b"\x01\x02\x03\x04")),
                ("dw", Value.dword(10)),
                ("path", Value.string("C:\\")),  # a string ending in a backslash does not continue
                ("lit", Value.string("a\\b")),  # an unknown escape keeps its backslash
            ],
        )
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: expected 'Windows Registry Editor Version 5.00' or 'REGEDIT4', got ''"),
        ("REGEDIT5\n", "line 1: expected 'Windows Registry Editor Version 5.00' or 'REGEDIT4', got 'REGEDIT5'"),
        ('REGEDIT4\n"a"="b"\n', "line 2: value before any [key]"),
        ("REGEDIT4\n[HKXX\\A]\n", "line 2: unknown hive 'HKXX' in key 'HKXX\\\\A'"),
        ("REGEDIT4\n[HKLM\\A\n", "line 2: key line without closing ']': '[HKLM\\\\A'"),
        ("REGEDIT4\n[HKLM\\\\A]\n", "line 2: malformed key path 'HKLM\\\\\\\\A'"),
        ('REGEDIT4\n[HKLM\\A]\n"a"=hex:1,2\n', "line 3: malformed hex data '1,2'"),
        ('REGEDIT4\n[HKLM\\A]\n"a"=dword:123456789\n', "line 3: unknown value data 'dword:123456789'"),
        ('REGEDIT4\n[HKLM\\A]\n"a"="b\n', "line 3: unterminated string in '\"b'"),
        ('REGEDIT4\n[HKLM\\A]\n"a""b"\n', "line 3: expected '=' after the value name in '\"a\"\"b\"'"),
        ('REGEDIT4\n[HKLM\\A]\n"a"="b" x\n', "line 3: unexpected text after the string: ' x'"),
        ("REGEDIT4\n[HKLM\\A]\nfoo\n", "line 3: not a key, value or comment: 'foo'"),
        ('REGEDIT4\n[-HKLM\\A]\n"a"=-\n', "line 3: value under a deleted key [-HKEY_LOCAL_MACHINE\\A]"),
    ],
)
def test_parse_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(RegFileError) as info:
        regfile.parse(text)
    assert str(info.value) == message


def test_writer_refuses_what_a_reg_file_cannot_hold() -> None:
    with pytest.raises(RegFileError, match="value name 'a\\\\nb' contains a line break"):
        regfile.dumps([Section("HKEY_USERS\\K", values=[("a\nb", Value.dword(1))])])
    with pytest.raises(RegFileError, match="cannot carry values"):
        regfile.dumps([Section("HKEY_USERS\\K", delete=True, values=[("a", None)])])


# ---------------------------------------------------------------------------------------------
# Property: the writer's output parses back to the same sections and writes the same bytes.

NO_SURROGATES: list[t.Literal["Cs"]] = ["Cs"]  # lone surrogates cannot be encoded in a UTF-16 file
_names = st.text(st.characters(blacklist_categories=NO_SURROGATES, blacklist_characters="\r\n"), max_size=12)
_key_names = st.text(
    st.characters(blacklist_categories=NO_SURROGATES, blacklist_characters="\\\r\n"), min_size=1, max_size=10
)
_values = st.one_of(
    st.builds(Value.string, st.text(max_size=20)),
    st.builds(Value.string, st.text(max_size=20), st.just(regfile.REG_EXPAND_SZ)),
    st.builds(Value.multi, st.lists(st.text(st.characters(blacklist_characters="\0"), min_size=1), max_size=4)),
    st.builds(Value.dword, st.integers(0, 2**32 - 1)),
    st.builds(Value.qword, st.integers(0, 2**64 - 1)),
    st.builds(Value, st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 0xFFFF]), st.binary(max_size=90)),
)
_sections = st.lists(
    st.builds(
        Section,
        st.builds(
            lambda hive, parts: "\\".join([hive, *parts]),
            st.sampled_from(regfile.HIVE_NAMES),
            st.lists(_key_names, min_size=1, max_size=3),
        ),
        st.just(False),
        st.lists(st.tuples(_names, st.one_of(st.none(), _values)), max_size=5),
    ),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(_sections)
def test_round_trip_property(sections: list[Section]) -> None:
    data = regfile.dumps(sections)
    parsed = regfile.parse(data)
    assert parsed == sorted(sections, key=lambda s: regfile.key_sort_key(s.path))
    assert regfile.dumps(parsed) == data
