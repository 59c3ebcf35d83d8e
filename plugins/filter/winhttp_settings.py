# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters winhttp_settings_decode and winhttp_settings_encode: the WinHttpSettings blob as data."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _winhttp_settings as codec
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._filter_input import blob_from

_ENCODE = "winhttp_settings_encode"
_ENCODE_KEYS = ("access_type", "proxy", "bypass", "header", "counter", "flags", "trailing")
DWORD_MAX = 0xFFFFFFFF


def winhttp_settings_decode(value: t.Any) -> dict[str, t.Any]:
    """Decode a WinHttpSettings value into access_type, proxy, bypass (a list), header, counter, flags, trailing."""
    try:
        settings = codec.decode(blob_from(value, "winhttp_settings_decode: input"))
    except codec.WinHttpSettingsError as exc:
        raise AnsibleFilterError(f"winhttp_settings_decode: {exc}") from None
    return {
        "access_type": settings.access_type,
        "proxy": settings.proxy,
        "bypass": settings.bypass_list,
        "header": settings.header,
        "counter": settings.counter,
        "flags": settings.flags,
        # Returned so that decode -> encode gives back the same bytes.
        "trailing": settings.trailing.hex(),
    }


def _dword(settings: t.Mapping[str, t.Any], key: str, default: int) -> int:
    value = settings.get(key)
    if value is None:
        return default
    # bool is an int subclass: true is a mistake here, not 1.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DWORD_MAX:
        raise AnsibleFilterError(f"{_ENCODE}: {key} {value!r} is not an integer 0-{DWORD_MAX}")
    return value


def _proxy(settings: t.Mapping[str, t.Any]) -> str | None:
    proxy = settings.get("proxy")
    if proxy is not None and not isinstance(proxy, str):
        raise AnsibleFilterError(
            f"{_ENCODE}: proxy must be a string (host:port or http=host:port;https=host:port), "
            f"got {type(proxy).__name__}"
        )
    return proxy


def _bypass(settings: t.Mapping[str, t.Any]) -> list[str]:
    bypass = settings.get("bypass")
    if bypass is None:
        return []
    if isinstance(bypass, str):
        return codec.split_bypass(bypass)
    if isinstance(bypass, (list, tuple)) and all(isinstance(entry, str) for entry in bypass):
        return [entry.strip() for entry in bypass if entry.strip()]
    raise AnsibleFilterError(
        f"{_ENCODE}: bypass must be a list of strings or a ';'-separated string, got {type(bypass).__name__}"
    )


def _access_type(settings: t.Mapping[str, t.Any], proxy: str | None) -> codec.AccessType:
    access_type = settings.get("access_type")
    if access_type is None:
        return "named_proxy" if proxy else "direct"
    if not isinstance(access_type, str) or access_type not in t.get_args(codec.AccessType):
        raise AnsibleFilterError(f"{_ENCODE}: access_type {access_type!r} is not one of direct, named_proxy")
    return t.cast(codec.AccessType, access_type)


def winhttp_settings_encode(settings: t.Any) -> str:
    """Encode a dict like winhttp_settings_decode returns into the hex string of the blob."""
    if not isinstance(settings, t.Mapping):
        raise AnsibleFilterError(f"{_ENCODE}: expected a dict, got {type(settings).__name__}")
    unknown = sorted(str(key) for key in settings if key not in _ENCODE_KEYS)
    if unknown:
        raise AnsibleFilterError(
            f"{_ENCODE}: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(_ENCODE_KEYS)}"
        )
    proxy = _proxy(settings)
    access_type = _access_type(settings, proxy)
    if access_type == "named_proxy" and not proxy:
        raise AnsibleFilterError(f"{_ENCODE}: access_type named_proxy needs a proxy")
    bypass = _bypass(settings)
    header = _dword(settings, "header", codec.HEADER_CLASSIC)
    counter = _dword(settings, "counter", 0)
    # flags is returned by decode; encode writes what the access type implies (1, or 3 for a named proxy).
    _dword(settings, "flags", codec.FLAG_DIRECT)
    raw_trailing = settings.get("trailing")
    trailing = b"" if raw_trailing is None else blob_from(raw_trailing, f"{_ENCODE}: trailing")
    try:
        blob = codec.encode(
            codec.WinHttpSettings(access_type, proxy, ";".join(bypass), header, counter, trailing=trailing)
        )
    except codec.WinHttpSettingsError as exc:
        raise AnsibleFilterError(f"{_ENCODE}: {exc}") from None
    return blob.hex()


class FilterModule:
    """WinHttpSettings codec filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "winhttp_settings_decode": winhttp_settings_decode,
            "winhttp_settings_encode": winhttp_settings_encode,
        }
