# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text read from hosts, made safe for the report files (internal use only).

Values in a report come from hosts and from users: a proxy written as ``user:password@proxy:8080`` must
not be copied into a file that is mailed around, a value starting with ``=`` must not become a formula in
the spreadsheet that opens ``compliance.csv``, and a control character must not make ``compliance.junit.xml``
a file no XML parser reads (one host's value would otherwise break the whole fleet's report).
"""

from __future__ import annotations

import re
import typing as t

REDACTED = "***"
# user:password@ in a proxy or URL value: after the start, a scheme ("http://"), or a separator of the
# forms Windows stores ("http=...;https=...", bypass lists, "a, b"). The user part may not hold "/", so
# a path such as "/a:b@c" is left alone; an "@" alone (no ":", e.g. user@host) is not a credential. The
# password runs to the last "@" of its item: a password may hold "@".
_CREDENTIALS = re.compile(r"(?P<lead>^|://|[\s;=,\"'(\[])(?P<user>[^\s:@/;=,\"'\[\]]+):(?P<password>[^\s/;,\"']*)@")
# Characters XML 1.0 forbids (section 2.2, Char): C0 controls but tab, newline and CR; lone surrogates;
# U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A cell starting with one of these is read as a formula (or as a formula's start) by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(_FORMULA_START)


def redact(text: str) -> str:
    """``http://user:secret@proxy:8080`` -> ``http://***@proxy:8080``; text without credentials unchanged."""
    if "@" not in text:  # the common case, and cheap: reports hold 100,000 values
        return text
    return _CREDENTIALS.sub(lambda found: f"{found['lead']}{REDACTED}@", text)


def redact_values(value: t.Any) -> t.Any:
    """A copy of a report value (scalars, lists, dicts) with credentials redacted in every string."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {key: redact_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_values(item) for item in value]
    return value


def xml_safe(text: str) -> str:
    """``text`` without the characters XML forbids; each one shown as ``\\xNN`` / ``\\uNNNN`` instead."""
    if text.isascii() and text.isprintable():  # the common case, checked in C: 100,000 test cases per report
        return text
    return _NOT_XML.sub(lambda found: _escaped(found.group()), text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading ``=``, ``+``, ``-``, ``@``, tab or CR gets a ``'`` before it."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def csv_row(cells: t.Iterable[str]) -> list[str]:
    """``csv_cell`` of each cell, without a call per cell (reports have a million cells)."""
    return [f"'{cell}" if cell[:1] in _FORMULA_CHARS else cell for cell in cells]
