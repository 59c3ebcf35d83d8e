# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Codec for the WinHttpSettings registry blob (internal use only).

Layout (docs/reference/binary-formats.md): header DWORD, second DWORD, flags DWORD, then the
proxy and the bypass list as 32-bit-length-prefixed 8-bit strings; some versions append more.
The decoder is tolerant (any header, any second DWORD, trailing bytes kept); the encoder is exact.
"""

from __future__ import annotations

import dataclasses
import struct
import typing as t

HEADER_CLASSIC = 0x18
FLAG_DIRECT = 0x01
FLAG_PROXY = 0x02
DIRECT_BLOB = bytes.fromhex("1800000000000000010000000000000000000000")

AccessType = t.Literal["direct", "named_proxy"]


class WinHttpSettingsError(ValueError):
    """The bytes are not a WinHttpSettings blob this codec can read or write."""


@dataclasses.dataclass(frozen=True)
class WinHttpSettings:
    """One decoded WinHttpSettings value.

    ``proxy`` and ``bypass`` are the strings as stored (``bypass`` ';'-separated). As in
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
    # Wine and Windows store 8-bit strings; latin-1 maps every byte so nothing is lost on read.
    return blob[start : start + length].decode("latin-1"), start + length


def decode(blob: bytes) -> WinHttpSettings:
    """Decode a WinHttpSettings blob.

    Raises:
        WinHttpSettingsError: the blob is shorter than its own lengths say.
    """
    header = _read_dword(blob, 0, "header")
    counter = _read_dword(blob, 4, "second DWORD")
    flags = _read_dword(blob, 8, "flags")
    # A direct blob may stop after the flags; lengths are optional then.
    proxy, offset = _read_string(blob, 12, "proxy") if len(blob) > 12 else ("", len(blob))
    bypass, offset = _read_string(blob, offset, "bypass") if len(blob) > offset else ("", offset)
    trailing = blob[offset:]
    if flags & FLAG_PROXY:
        return WinHttpSettings("named_proxy", proxy, bypass, header, counter, flags, trailing)
    return WinHttpSettings("direct", None, None, header, counter, flags, trailing)


def _ascii(value: str, field: str) -> bytes:
    try:
        return value.encode("ascii")
    except UnicodeEncodeError as exc:
        raise WinHttpSettingsError(
            f"WinHttpSettings {field} must be ASCII (WinHTTP rejects other characters): {value!r}"
        ) from exc


def encode(settings: WinHttpSettings) -> bytes:
    """Encode settings exactly.

    A named proxy gets DIRECT|PROXY, as Windows writes it. Under the classic header 0x18 the second
    DWORD is always 0 (Wine rejects anything else) and nothing trails; under any other header the
    host's counter is incremented and unknown trailing bytes are kept.
    """
    named = settings.access_type == "named_proxy"
    flags = FLAG_DIRECT | FLAG_PROXY if named else FLAG_DIRECT
    proxy = _ascii(settings.proxy or "", "proxy") if named else b""
    bypass = _ascii(settings.bypass or "", "bypass") if named else b""
    classic = settings.header == HEADER_CLASSIC
    counter = 0 if classic else (settings.counter + 1) & 0xFFFFFFFF
    trailing = b"" if classic else settings.trailing
    return (
        struct.pack("<III", settings.header, counter, flags)
        + struct.pack("<I", len(proxy))
        + proxy
        + struct.pack("<I", len(bypass))
        + bypass
        + trailing
    )
