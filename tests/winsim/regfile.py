"""Read and write ``.reg`` files exactly as ``reg export`` and regedit produce them.

A ``.reg`` file is a list of sections. Each section names a key (``[HKEY_LOCAL_MACHINE\\...]``) or
deletes one (``[-HKEY_LOCAL_MACHINE\\...]``) and lists values to set or delete. Values are kept as
the registry itself keeps them: a type number and raw bytes. That makes every value round-trip
exactly, including types the writer has no text form for (``hex(4)``, ``hex(5)``, ...).

The writer follows regedit (and Wine's regedit, which copies it): UTF-16 LE with BOM, CRLF, a
blank line before each key, hex data wrapped with ``\\`` + two-space indent once a line reaches 77
characters, a final blank line.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

HEADER_V5 = "Windows Registry Editor Version 5.00"
HEADER_V4 = "REGEDIT4"

REG_NONE = 0
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_MULTI_SZ = 7
REG_QWORD = 11

HIVE_NAMES = ("HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER", "HKEY_USERS", "HKEY_CLASSES_ROOT")
HIVE_ALIASES = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKU": "HKEY_USERS",
    "HKCR": "HKEY_CLASSES_ROOT",
    **{name: name for name in HIVE_NAMES},
}

# regedit breaks a hex line once it holds this many characters (Wine's MAX_HEX_CHARS, same output).
_MAX_HEX_CHARS = 77
_HEX_TYPE = re.compile(r"hex(?:\(([0-9a-fA-F]{1,8})\))?:", re.ASCII)
_DWORD = re.compile(r"dword:([0-9a-fA-F]{1,8})\s*", re.ASCII)
_HEX_BYTE = re.compile(r"[0-9a-fA-F]{2}", re.ASCII)
# Characters a quoted string cannot carry on one line; such values are written as hex(1).
_UNQUOTABLE = re.compile(r"[\r\n\x00]")


class RegFileError(ValueError):
    """A ``.reg`` text that cannot be parsed, or data that cannot be written as one."""


@dataclass(frozen=True)
class Value:
    """A registry value as the registry stores it: type number and raw bytes."""

    kind: int
    raw: bytes

    @classmethod
    def string(cls, text: str, kind: int = REG_SZ) -> Value:
        """REG_SZ (or REG_EXPAND_SZ): UTF-16 LE, NUL-terminated."""
        return cls(kind, (text + "\0").encode("utf-16-le", "surrogatepass"))

    @classmethod
    def multi(cls, items: list[str] | tuple[str, ...]) -> Value:
        """REG_MULTI_SZ: each string NUL-terminated, then one more NUL."""
        return cls(REG_MULTI_SZ, ("".join(s + "\0" for s in items) + "\0").encode("utf-16-le", "surrogatepass"))

    @classmethod
    def dword(cls, number: int) -> Value:
        """REG_DWORD: 4 bytes little-endian."""
        return cls(REG_DWORD, number.to_bytes(4, "little"))

    @classmethod
    def qword(cls, number: int) -> Value:
        """REG_QWORD: 8 bytes little-endian."""
        return cls(REG_QWORD, number.to_bytes(8, "little"))


@dataclass
class Section:
    """One ``[key]`` block: the key path (full hive name), deletion flag, values in file order.

    A value of ``None`` deletes that value (``"name"=-``).
    """

    path: str
    delete: bool = False
    values: list[tuple[str, Value | None]] = field(default_factory=list)


def normalize_key_path(path: str) -> str:
    """Return ``path`` with its hive spelt in full (``HKLM\\X`` -> ``HKEY_LOCAL_MACHINE\\X``)."""
    hive, sep, rest = path.partition("\\")
    full = HIVE_ALIASES.get(hive.upper())
    if full is None:
        raise RegFileError(f"unknown hive {hive!r} in key {path!r}")
    return full + sep + rest


def key_sort_key(path: str) -> tuple[str, ...]:
    """Order keys as regedit exports them: depth first, siblings by upper-cased name."""
    return tuple(part.upper() for part in path.split("\\"))


# ---------------------------------------------------------------------------------------------
# Parsing


def decode_text(data: bytes | str) -> str:
    """Return the text of a ``.reg`` file: UTF-16 LE with BOM, or UTF-8 with or without BOM."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith(codecs.BOM_UTF16_LE):
        return data[2:].decode("utf-16-le")
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8")
    # A UTF-16 file without a BOM starts "W\0" or "R\0"; plain UTF-8 never has NULs.
    if len(data) >= 2 and data[1] == 0:
        return data.decode("utf-16-le")
    return data.decode("utf-8")


def parse(data: bytes | str) -> list[Section]:
    """Parse a ``.reg`` file (bytes or text) into its sections."""
    lines = _logical_lines(decode_text(data))
    if not lines or lines[0][1].strip() not in (HEADER_V5, HEADER_V4):
        first = lines[0][1] if lines else ""
        raise RegFileError(f"line 1: expected {HEADER_V5!r} or {HEADER_V4!r}, got {first[:80]!r}")
    ansi = lines[0][1].strip() == HEADER_V4
    sections: list[Section] = []
    for number, line in lines[1:]:
        _parse_line(number, line, sections, ansi)
    return sections


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Split into (line number, text), joining hex data continued with a trailing backslash.

    Only hex data continues: a quoted string may legitimately end with ``\\``.
    """
    raw = [line.removesuffix("\r") for line in text.split("\n")]
    result: list[tuple[int, str]] = []
    index = 0
    while index < len(raw):
        number, line = index + 1, raw[index]
        index += 1
        while _is_hex_value(line) and line.rstrip().endswith("\\") and index < len(raw):
            line = line.rstrip()[:-1] + raw[index].lstrip()
            index += 1
        result.append((number, line))
    return result


def _is_hex_value(line: str) -> bool:
    """True for a value line whose data is ``hex:`` or ``hex(N):``."""
    stripped = line.lstrip()
    if not stripped.startswith(('"', "@")):
        return False
    try:
        _name, rest = _split_name(stripped)
    except RegFileError:
        return False
    return _HEX_TYPE.match(rest) is not None


def _parse_line(number: int, line: str, sections: list[Section], ansi: bool) -> None:
    """Parse one logical line into ``sections``."""
    stripped = line.strip()
    if not stripped or stripped.startswith(";"):
        return
    if stripped.startswith("["):
        sections.append(_parse_key(number, stripped))
        return
    if not stripped.startswith(('"', "@")):
        raise RegFileError(f"line {number}: not a key, value or comment: {stripped[:80]!r}")
    if not sections:
        raise RegFileError(f"line {number}: value before any [key]")
    if sections[-1].delete:
        raise RegFileError(f"line {number}: value under a deleted key [-{sections[-1].path}]")
    try:
        name, rest = _split_name(stripped)
        sections[-1].values.append((name, _parse_data(rest, ansi)))
    except RegFileError as exc:
        raise RegFileError(f"line {number}: {exc}") from None


def _parse_key(number: int, line: str) -> Section:
    """Parse ``[path]`` or ``[-path]``."""
    if not line.endswith("]"):
        raise RegFileError(f"line {number}: key line without closing ']': {line[:80]!r}")
    inner = line[1:-1]
    delete = inner.startswith("-")
    path = inner[1:] if delete else inner
    if not path or path.startswith("\\") or path.endswith("\\") or "\\\\" in path:
        raise RegFileError(f"line {number}: malformed key path {path!r}")
    try:
        return Section(normalize_key_path(path), delete=delete)
    except RegFileError as exc:
        raise RegFileError(f"line {number}: {exc}") from None


def _split_name(line: str) -> tuple[str, str]:
    """Split ``"name"=data`` or ``@=data`` into the unescaped name and the data text."""
    if line.startswith("@"):
        name, rest = "", line[1:]
    else:
        name, end = _read_quoted(line, 0)
        rest = line[end:]
    rest = rest.lstrip()
    if not rest.startswith("="):
        raise RegFileError(f"expected '=' after the value name in {line[:80]!r}")
    return name, rest[1:].lstrip()


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a quoted string at ``text[start]``; return it unescaped and the index after it."""
    out: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out), index + 1
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '\\"':
            out.append(text[index + 1])
            index += 2
            continue
        # Any other backslash is literal, as regedit treats it.
        out.append(char)
        index += 1
    raise RegFileError(f"unterminated string in {text[:80]!r}")


def _parse_data(text: str, ansi: bool) -> Value | None:
    """Parse the data after ``=``: ``-``, a string, ``dword:``, ``hex:`` or ``hex(N):``."""
    text = text.rstrip()
    if text == "-":
        return None
    if text.startswith('"'):
        string, end = _read_quoted(text, 0)
        if text[end:].strip():
            raise RegFileError(f"unexpected text after the string: {text[end:][:80]!r}")
        return Value.string(string)
    if match := _DWORD.fullmatch(text):
        return Value.dword(int(match.group(1), 16))
    if match := _HEX_TYPE.match(text):
        kind = int(match.group(1), 16) if match.group(1) else REG_BINARY
        return Value(kind, _hex_bytes(text[match.end() :], kind, ansi))
    raise RegFileError(f"unknown value data {text[:80]!r}")


def _hex_bytes(text: str, kind: int, ansi: bool) -> bytes:
    """Parse ``aa,bb,...``; REGEDIT4 strings are ANSI bytes and become UTF-16 LE here."""
    parts = [part.strip() for part in text.split(",")]
    if parts and parts[-1] == "":
        parts.pop()  # a trailing comma, as left by a continuation, ends the list
    if not all(_HEX_BYTE.fullmatch(part) for part in parts):
        raise RegFileError(f"malformed hex data {text[:80]!r}")
    raw = bytes(int(part, 16) for part in parts)
    if ansi and kind in (REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ):
        # REGEDIT4 is the ANSI format; latin-1 stands in for the host's ANSI code page.
        raw = raw.decode("latin-1").encode("utf-16-le")
    return raw


# ---------------------------------------------------------------------------------------------
# Writing


def dumps(sections: list[Section], *, sort: bool = True) -> bytes:
    """Return ``sections`` as a regedit ``.reg`` file: UTF-16 LE with BOM, CRLF.

    With ``sort`` (the default) sections are ordered as regedit exports keys (parent before
    child, siblings by name); the sort is stable. Pass ``sort=False`` for files whose deletions
    and additions must stay in their given order.
    """
    ordered = sorted(sections, key=lambda s: key_sort_key(s.path)) if sort else sections
    lines = [HEADER_V5]
    for section in ordered:
        lines.append("")
        lines.extend(_section_lines(section))
    lines.append("")
    text = "\r\n".join(lines) + "\r\n"
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def _section_lines(section: Section) -> list[str]:
    """The ``[key]`` line and one line (possibly continued) per value."""
    path = normalize_key_path(section.path)
    _check_one_line(path, "key path")
    if section.delete:
        if section.values:
            raise RegFileError(f"deleted key [-{path}] cannot carry values")
        return [f"[-{path}]"]
    return [f"[{path}]", *(_value_line(name, value) for name, value in section.values)]


def _value_line(name: str, value: Value | None) -> str:
    """Format one value the way regedit does."""
    _check_one_line(name, "value name")
    prefix = "@=" if name == "" else f'"{_escape(name)}"='
    if value is None:
        return prefix + "-"
    string = _quotable_string(value)
    if string is not None:
        return f'{prefix}"{_escape(string)}"'
    if value.kind == REG_DWORD and len(value.raw) == 4:
        return f"{prefix}dword:{int.from_bytes(value.raw, 'little'):08x}"
    return _hex_line(prefix, value)


def _check_one_line(text: str, what: str) -> None:
    """Refuse names that cannot stand on one ``.reg`` line."""
    if "\r" in text or "\n" in text:
        raise RegFileError(f"{what} {text[:80]!r} contains a line break: not representable in a .reg file")


def _quotable_string(value: Value) -> str | None:
    """The text of a REG_SZ that a quoted string reproduces byte for byte, else None."""
    if value.kind != REG_SZ or len(value.raw) % 2 or not value.raw.endswith(b"\0\0"):
        return None
    try:
        text = value.raw[:-2].decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    return None if _UNQUOTABLE.search(text) else text


def _escape(text: str) -> str:
    """Escape backslashes and double quotes as regedit does."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _hex_line(prefix: str, value: Value) -> str:
    """``hex:``/``hex(N):`` data wrapped at regedit's width with ``\\`` and two-space indent."""
    type_text = "hex:" if value.kind == REG_BINARY else f"hex({value.kind:x}):"
    parts = [prefix, type_text]
    line_len = len(prefix) + len(type_text)
    last = len(value.raw) - 1
    for index, byte in enumerate(value.raw):
        parts.append(f"{byte:02x}")
        if index == last:
            break
        parts.append(",")
        line_len += 3
        if line_len >= _MAX_HEX_CHARS:
            parts.append("\\\r\n  ")
            line_len = 2
    return "".join(parts)
