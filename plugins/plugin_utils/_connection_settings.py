# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Codec for the WinINET connection settings blob (internal use only).

The same layout is stored in ``DefaultConnectionSettings`` and ``SavedLegacySettings`` under
``...\\Internet Settings\\Connections`` (docs/reference/binary-formats.md): version DWORD, change
counter DWORD, flags DWORD, then the proxy, the bypass list and the auto-config (PAC) URL as
32-bit-length-prefixed 8-bit strings, then bytes this codec does not interpret (Windows writes zero
padding there). The decoder is tolerant (any version, strings missing at the end of the blob, unknown
trailing bytes kept); the encoder is exact.
"""

from __future__ import annotations

import dataclasses
import struct
import typing as t
import urllib.parse

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_forms import proxy_key, same_proxy
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import same_bypass
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._winhttp_settings import split_bypass

VERSION_CURRENT = 0x46
VERSION_IE = 0x3C
FLAG_DIRECT = 0x01
FLAG_PROXY = 0x02
FLAG_AUTO_PROXY_URL = 0x04
FLAG_AUTO_DETECT = 0x08
DWORD_MAX = 0xFFFFFFFF

_BLOB_NAME = "DefaultConnectionSettings"


class ConnectionSettingsError(ValueError):
    """The bytes or values are not a connection settings blob this codec can read or write."""


@dataclasses.dataclass(frozen=True)
class ConnectionSettings:
    """One decoded connection settings blob.

    ``proxy``, ``bypass`` (';'-separated) and ``auto_config_url`` are the strings as stored, ""
    when absent; WinINET keeps them even when the matching flag is off. ``trailing`` is every byte
    after the auto-config URL, kept verbatim so a rewrite does not lose what newer Windows builds
    store there.
    """

    version: int = VERSION_CURRENT
    counter: int = 0
    flags: int = FLAG_DIRECT
    proxy: str = ""
    bypass: str = ""
    auto_config_url: str = ""
    trailing: bytes = b""

    @property
    def manual_proxy(self) -> bool:
        """Whether the manual proxy (``proxy``) is enabled."""
        return bool(self.flags & FLAG_PROXY)

    @property
    def auto_config(self) -> bool:
        """Whether the auto-config (PAC) URL is enabled."""
        return bool(self.flags & FLAG_AUTO_PROXY_URL)

    @property
    def auto_detect(self) -> bool:
        """Whether automatic detection (WPAD) is enabled."""
        return bool(self.flags & FLAG_AUTO_DETECT)

    @property
    def bypass_list(self) -> list[str]:
        """The bypass entries in stored order, without empty entries."""
        return split_bypass(self.bypass)

    @property
    def proxy_effective(self) -> bool:
        """Whether WinINET uses the manual proxy: flag on, DIRECT on, and a proxy to use.

        A blob with 0x02 but without DIRECT does not enable the proxy (a real case, docs/dev/real-blobs.md:
        "if I change it from 02 -> 03 manually, its working"), and Windows leaves flag 0x02 set with an
        empty proxy after the text is cleared in the dialog.
        """
        return bool(self.flags & FLAG_DIRECT and self.manual_proxy and self.proxy.strip())

    @property
    def auto_config_effective(self) -> bool:
        """Whether WinINET uses the auto-config URL: flag on and a URL (Windows stores a cleared one as " ")."""
        return self.auto_config and bool(self.auto_config_url.strip())

    @property
    def disabled_parts(self) -> dict[str, t.Any]:
        """Text WinINET keeps but does not use: a proxy or PAC URL whose flag is off, a bypass without proxy."""
        parts: dict[str, t.Any] = {}
        if self.proxy and not self.proxy_effective:
            parts["proxy"] = self.proxy
        if self.bypass_list and not self.proxy_effective:
            parts["bypass"] = self.bypass_list
        if self.auto_config_url and not self.auto_config_effective:
            parts["auto_config_url"] = self.auto_config_url
        return parts


def windows_padding(version: int) -> bytes:
    """The zero padding Windows writes after the auto-config URL: 28 bytes under 0x3C, else 32."""
    return bytes(28 if version == VERSION_IE else 32)


class _Truncated(Exception):
    """Where a blob ends too early; decode() names the value it came from."""


def _read_dword(blob: bytes, offset: int, field: str) -> int:
    if offset + 4 > len(blob):
        raise _Truncated(f"{field} at offset {offset} needs 4 bytes, {len(blob) - offset} remain")
    return int(struct.unpack_from("<I", blob, offset)[0])


def _read_string(blob: bytes, offset: int, field: str) -> tuple[str, int]:
    # A blob that ends exactly where this string would start is read as an empty string: some
    # writers stop after the last non-empty field, and nothing is lost by reading it that way.
    if offset == len(blob):
        return "", offset
    length = _read_dword(blob, offset, f"{field} length")
    start = offset + 4
    if start + length > len(blob):
        raise _Truncated(
            f"{field} length {length} at offset {offset} exceeds the {len(blob) - start} bytes that follow"
        )
    # The strings are 8-bit; latin-1 maps every byte to one character, so decoding never fails and
    # never loses a byte.
    return blob[start : start + length].decode("latin-1"), start + length


def decode(blob: bytes, name: str = _BLOB_NAME) -> ConnectionSettings:
    """Decode a DefaultConnectionSettings or SavedLegacySettings blob; ``name`` says which in errors.

    Raises:
        ConnectionSettingsError: the blob is shorter than the three DWORDs, or than its own lengths say.
    """
    try:
        version = _read_dword(blob, 0, "version")
        counter = _read_dword(blob, 4, "counter")
        flags = _read_dword(blob, 8, "flags")
        proxy, offset = _read_string(blob, 12, "proxy")
        bypass, offset = _read_string(blob, offset, "bypass")
        auto_config_url, offset = _read_string(blob, offset, "auto-config URL")
    except _Truncated as exc:
        raise ConnectionSettingsError(f"{name} blob is truncated: {exc}") from None
    return ConnectionSettings(version, counter, flags, proxy, bypass, auto_config_url, blob[offset:])


def _dword(value: int, field: str, *, set_bits: int = 0) -> bytes:
    # bool is an int subclass; a True version is a caller bug, not 1.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DWORD_MAX:
        raise ConnectionSettingsError(f"{_BLOB_NAME} {field} {value!r} is not an integer 0-{DWORD_MAX}")
    return struct.pack("<I", value | set_bits)


def _string(value: str, field: str) -> bytes:
    try:
        data = value.encode("ascii")
    except UnicodeEncodeError as exc:
        # The strings are 8-bit with no code page recorded; only ASCII means the same on every host.
        raise ConnectionSettingsError(
            f"{_BLOB_NAME} {field} must be ASCII (other characters depend on the host's code page): {value!r}"
        ) from exc
    if b"\0" in data:
        raise ConnectionSettingsError(
            f"{_BLOB_NAME} {field} must not contain a NUL character (WinINET ends the string there): {value!r}"
        )
    return struct.pack("<I", len(data)) + data


def encode(settings: ConnectionSettings) -> bytes:
    """Encode settings exactly, with FLAG_DIRECT always set.

    WinINET ignores a flags value without DIRECT (0x02 alone does not enable the proxy), so DIRECT is
    added whatever the caller passed; every other bit, the version, the counter and ``trailing`` are
    written as given. Use :func:`build` to get the counter and padding Windows would write.

    Raises:
        ConnectionSettingsError: a string is not ASCII or holds a NUL, or a number does not fit a DWORD.
    """
    return (
        _dword(settings.version, "version")
        + _dword(settings.counter, "counter")
        + _dword(settings.flags, "flags", set_bits=FLAG_DIRECT)
        + _string(settings.proxy, "proxy")
        + _string(settings.bypass, "bypass")
        + _string(settings.auto_config_url, "auto-config URL")
        + bytes(settings.trailing)
    )


def build(
    previous: ConnectionSettings | None,
    *,
    proxy: str,
    bypass: str,
    auto_config_url: str,
    auto_detect: bool,
    keep_disabled: bool = True,
) -> ConnectionSettings:
    """The settings to write when changing a host whose current blob is ``previous``.

    The version and the trailing bytes of ``previous`` are kept, so the host's own format survives,
    and its counter is incremented (wrapping at 2**32) as Windows does on every change. Without a
    previous blob the result is what a fresh Windows install would write after one change: version
    0x46, counter 1 (one change since an implicit 0) and 32 zero bytes of padding. A flag is set for
    each non-empty string and for ``auto_detect``; DIRECT is always set.

    With ``keep_disabled`` the text ``previous`` keeps but does not use (a proxy or PAC URL whose flag
    is off, a bypass list without a proxy) stays, still off, where nothing new replaces it, as the
    Internet Options dialog keeps it when a box is unticked.
    """
    flags = FLAG_DIRECT
    if proxy:
        flags |= FLAG_PROXY
    if auto_config_url:
        flags |= FLAG_AUTO_PROXY_URL
    if auto_detect:
        flags |= FLAG_AUTO_DETECT
    if keep_disabled and previous is not None:
        disabled = previous.disabled_parts
        if not proxy:
            proxy_kept = disabled.get("proxy", "")
            bypass = bypass or ";".join(disabled.get("bypass", []))
            # The proxy text goes back with its flag off, so it stays unused.
            proxy = proxy_kept
        if not auto_config_url:
            auto_config_url = disabled.get("auto_config_url", "")
    if previous is None:
        version, counter, trailing = VERSION_CURRENT, 1, windows_padding(VERSION_CURRENT)
    else:
        version, counter, trailing = previous.version, (previous.counter + 1) & DWORD_MAX, previous.trailing
    return ConnectionSettings(version, counter, flags, proxy, bypass, auto_config_url, trailing)


def _url_key(url: str) -> tuple[str, ...]:
    """A comparison key for a URL: scheme and host case-insensitive, everything else exact."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        # Not parseable (for example an unclosed IPv6 bracket): only an identical string matches.
        return (url,)
    # User info is case-sensitive; the host and the port after it are not (digits have no case).
    userinfo, at_sign, hostport = parts.netloc.rpartition("@")
    return (parts.scheme.lower(), userinfo + at_sign + hostport.lower(), parts.path, parts.query, parts.fragment)


def same_meaning(left: ConnectionSettings, right: ConnectionSettings, *, compare_disabled: bool = False) -> bool:
    """Whether two blobs make WinINET behave the same way.

    Compares what WinINET uses: whether the manual proxy is used and then the proxy (host
    case-insensitive) and its bypass entries (case-insensitive, any order); whether the auto-config
    URL is used and then the URL (scheme and host case-insensitive, path exact); and auto-detect.
    Text WinINET keeps but does not use (:attr:`ConnectionSettings.disabled_parts`) is ignored unless
    ``compare_disabled``. The version, counter, DIRECT bit and trailing bytes are ignored: they change
    on every write without changing what WinINET does.
    """
    if left.proxy_effective != right.proxy_effective or left.auto_config_effective != right.auto_config_effective:
        return False
    if left.auto_detect != right.auto_detect:
        return False
    if left.proxy_effective and not (
        same_proxy(left.proxy, right.proxy) and same_bypass(left.bypass_list, right.bypass_list)
    ):
        return False
    if left.auto_config_effective and _url_key(left.auto_config_url) != _url_key(right.auto_config_url):
        return False
    if compare_disabled:
        return _disabled_key(left) == _disabled_key(right)
    return True


def _disabled_key(settings: ConnectionSettings) -> tuple[object, ...]:
    parts = settings.disabled_parts
    return (
        proxy_key(parts.get("proxy", "")),
        frozenset(entry.lower() for entry in parts.get("bypass", [])),
        _url_key(parts.get("auto_config_url", "")),
    )
