# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters winhttp_settings_decode and winhttp_settings_encode: the WinHttpSettings blob as data."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _winhttp_settings as codec
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._filter_input import blob_from


def winhttp_settings_decode(value: t.Any) -> dict[str, t.Any]:
    """Decode a WinHttpSettings value into access_type, proxy, bypass (a list) and header."""
    try:
        settings = codec.decode(blob_from(value, "winhttp_settings_decode: input"))
    except codec.WinHttpSettingsError as exc:
        raise AnsibleFilterError(f"winhttp_settings_decode: {exc}") from None
    return {
        "access_type": settings.access_type,
        "proxy": settings.proxy,
        "bypass": settings.bypass_list,
        "header": settings.header,
        "flags": settings.flags,
    }


def winhttp_settings_encode(settings: t.Any) -> str:
    """Encode a dict like winhttp_settings_decode returns into the hex string of the blob."""
    if not isinstance(settings, t.Mapping):
        raise AnsibleFilterError(f"winhttp_settings_encode: expected a dict, got {type(settings).__name__}")
    proxy = settings.get("proxy")
    access_type = settings.get("access_type") or ("named_proxy" if proxy else "direct")
    if access_type not in t.get_args(codec.AccessType):
        raise AnsibleFilterError(
            f"winhttp_settings_encode: access_type {access_type!r} is not one of direct, named_proxy"
        )
    if access_type == "named_proxy" and not proxy:
        raise AnsibleFilterError("winhttp_settings_encode: access_type named_proxy needs a proxy")
    bypass = settings.get("bypass") or []
    if isinstance(bypass, str):
        bypass = codec.split_bypass(bypass)
    header = settings.get("header", codec.HEADER_CLASSIC)
    if not isinstance(header, int) or not 0 <= header <= 0xFFFFFFFF:
        raise AnsibleFilterError(f"winhttp_settings_encode: header {header!r} is not an integer 0-4294967295")
    try:
        blob = codec.encode(
            codec.WinHttpSettings(t.cast(codec.AccessType, access_type), proxy, ";".join(bypass), header=header)
        )
    except codec.WinHttpSettingsError as exc:
        raise AnsibleFilterError(f"winhttp_settings_encode: {exc}") from None
    return blob.hex()


class FilterModule:
    """WinHttpSettings codec filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "winhttp_settings_decode": winhttp_settings_decode,
            "winhttp_settings_encode": winhttp_settings_encode,
        }
