# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Codec for the WinHttpSettings registry blob (internal use only).

Layout (docs/reference/binary-formats.md): header DWORD, second DWORD, flags DWORD, then the
proxy and the bypass list as 32-bit-length-prefixed 8-bit strings; some versions append more.

How a blob reads follows the evidence in docs/dev/real-blobs.md:

- Without the PROXY flag a blob is direct access whatever follows: the 19-byte value published as
  what ``netsh winhttp reset proxy`` writes, and a header-0x28 reset, are direct.
- Under the classic header 0x18, as Wine's WinHTTP reads it (``WinHttpGetDefaultProxyConfiguration``
  in dlls/winhttp/session.c): a value shorter than 20 bytes, or one whose second DWORD is not 0, is
  ignored, which means direct access.
- Other headers (0x28 is what current Windows writes, real exports in tests/fixtures/vectors) read
  as Windows shows them: a named proxy whenever the PROXY flag is set.
- Strings end at a NUL, as WinHTTP copies them into C strings.

The encoder is exact: the host's header, second DWORD and trailing bytes are written back as read.
"""

from __future__ import annotations

import dataclasses
import struct
import typing as t

HEADER_CLASSIC = 0x18
FLAG_DIRECT = 0x01
FLAG_PROXY = 0x02
DIRECT_BLOB = bytes.fromhex("1800000000000000010000000000000000000000")
# Wine reads nothing from a value shorter than the three DWORDs and the two string lengths.
WINE_MINIMUM_SIZE = 20

AccessType = t.Literal["direct", "named_proxy"]


class WinHttpSettingsError(ValueError):
    """The bytes are not a WinHttpSettings blob this codec can read or write."""


@dataclasses.dataclass(frozen=True)
class WinHttpSettings:
    """One decoded WinHttpSettings value.

    ``proxy`` and ``bypass`` are the strings as WinHTTP reads them (``bypass`` ';'-separated). As in
    WinHttpGetDefaultProxyConfiguration, both are None for direct access, and ``bypass`` is ""
    for a named proxy without a bypass list.
    """

    access_type: AccessType
    proxy: str | None = None
    bypass: str | None = None
    header: int = HEADER_CLASSIC
    counter: int = 0
    flags: int = FLAG_DIRECT
    trailing: bytes = b""

    @property
    def bypass_list(self) -> list[str]:
        """The bypass entries in stored order, without empty entries."""
        return split_bypass(self.bypass)


def split_bypass(bypass: str | None) -> list[str]:
    """Split a ';'-separated bypass string into its non-empty entries."""
    if not bypass:
        return []
    return [entry.strip() for entry in bypass.split(";") if entry.strip()]


def _read_dword(blob: bytes, offset: int, field: str) -> int:
    if offset + 4 > len(blob):
        raise WinHttpSettingsError(
            f"WinHttpSettings blob is truncated: {field} at offset {offset} needs 4 bytes, {len(blob) - offset} remain"
        )
    return int(struct.unpack_from("<I", blob, offset)[0])


def _read_string(blob: bytes, offset: int, field: str) -> tuple[str, int]:
    length = _read_dword(blob, offset, f"{field} length")
    start = offset + 4
    if start + length > len(blob):
        raise WinHttpSettingsError(
            f"WinHttpSettings blob is truncated: {field} length {length} at offset {offset} "
            f"exceeds the {len(blob) - start} bytes that follow"
        )
    # 8-bit strings; latin-1 maps every byte so nothing is lost. WinHTTP copies them into C strings,
    # so what follows a NUL is never used.
    return blob[start : start + length].decode("latin-1").split("\0", 1)[0], start + length


def wine_access_type(blob: bytes) -> AccessType:
    """What Wine 8's WinHttpGetDefaultProxyConfiguration makes of ``blob``.

    Wine accepts only header 0x18 with a zero second DWORD, at least 20 bytes, and the PROXY flag;
    anything else is direct access. Kept beside :func:`decode` so that tests can say where
    Windows (header 0x28) and Wine differ.
    """
    if len(blob) < WINE_MINIMUM_SIZE:
        return "direct"
    header, second, flags = struct.unpack_from("<III", blob, 0)
    if header != HEADER_CLASSIC or second != 0 or not flags & FLAG_PROXY:
        return "direct"
    try:
        _proxy, offset = _read_string(blob, 12, "proxy")
        _read_string(blob, offset, "bypass")
    except WinHttpSettingsError:
        return "direct"
    return "named_proxy"


def decode(blob: bytes) -> WinHttpSettings:
    """Decode a WinHttpSettings blob the way WinHTTP reads it (see the module docstring).

    Raises:
        WinHttpSettingsError: the blob is too short to hold the flags, or a named-proxy blob is shorter
            than its own lengths say.
    """
    header = _read_dword(blob, 0, "header")
    counter = _read_dword(blob, 4, "second DWORD")
    flags = _read_dword(blob, 8, "flags")
    named = bool(flags & FLAG_PROXY)
    if header == HEADER_CLASSIC and (len(blob) < WINE_MINIMUM_SIZE or counter != 0):
        named = False
    if not named:
        # Nothing after the flags is used; a rewrite keeps the header and second DWORD only.
        return WinHttpSettings("direct", None, None, header, counter, flags, b"")
    proxy, offset = _read_string(blob, 12, "proxy")
    bypass, offset = _read_string(blob, offset, "bypass")
    return WinHttpSettings("named_proxy", proxy, bypass, header, counter, flags, blob[offset:])


def _ascii(value: str, field: str) -> bytes:
    try:
        data = value.encode("ascii")
    except UnicodeEncodeError as exc:
        raise WinHttpSettingsError(
            f"WinHttpSettings {field} must be ASCII (WinHTTP rejects other characters): {value!r}"
        ) from exc
    if b"\0" in data:
        raise WinHttpSettingsError(
            f"WinHttpSettings {field} must not contain a NUL character (WinHTTP ends the string there): {value!r}"
        )
    return data


def encode(settings: WinHttpSettings) -> bytes:
    """Encode settings exactly.

    A named proxy gets DIRECT|PROXY, as Windows writes it. The header and the second DWORD are
    written as given: Windows writes 0 there under 0x28 (real exports, docs/dev/real-blobs.md), and
    Wine ignores a 0x18 blob whose second DWORD is not 0, so under 0x18 it is always 0. Trailing
    bytes are kept for a named proxy under any header but 0x18 (where Wine writes none).
    """
    named = settings.access_type == "named_proxy"
    flags = FLAG_DIRECT | FLAG_PROXY if named else FLAG_DIRECT
    proxy = _ascii(settings.proxy or "", "proxy") if named else b""
    bypass = _ascii(settings.bypass or "", "bypass") if named else b""
    classic = settings.header == HEADER_CLASSIC
    counter = 0 if classic else settings.counter
    trailing = b"" if classic or not named else settings.trailing
    return (
        struct.pack("<III", settings.header, counter, flags)
        + struct.pack("<I", len(proxy))
        + proxy
        + struct.pack("<I", len(bypass))
        + bypass
        + trailing
    )
