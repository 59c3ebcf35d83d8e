# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters connection_settings_decode and connection_settings_encode: the WinINET blob as data."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _connection_settings as codec
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._filter_input import blob_from

# Separators found in `reg export` hex lines, including the backslash that continues a long value.
_DECODE = "connection_settings_decode"
_ENCODE = "connection_settings_encode"
_ENCODE_KEYS = (
    "version",
    "counter",
    "flags",
    "manual_proxy",
    "auto_config",
    "auto_detect",
    "proxy",
    "bypass",
    "auto_config_url",
    "trailing",
)
# What WinINET makes of the blob: returned by decode, derived from the other keys, ignored by encode.
_DERIVED_KEYS = ("proxy_effective", "auto_config_effective")


def connection_settings_decode(value: t.Any) -> dict[str, t.Any]:
    """Decode a DefaultConnectionSettings / SavedLegacySettings value into a dict."""
    try:
        settings = codec.decode(blob_from(value, f"{_DECODE}: input"))
    except codec.ConnectionSettingsError as exc:
        raise AnsibleFilterError(f"{_DECODE}: {exc}") from None
    return {
        "version": settings.version,
        "counter": settings.counter,
        "flags": settings.flags,
        "manual_proxy": settings.manual_proxy,
        "auto_config": settings.auto_config,
        "auto_detect": settings.auto_detect,
        "proxy": settings.proxy,
        "bypass": settings.bypass_list,
        "auto_config_url": settings.auto_config_url,
        "proxy_effective": settings.proxy_effective,
        "auto_config_effective": settings.auto_config_effective,
        # Returned so that decode -> encode gives back the same bytes.
        "trailing": settings.trailing.hex(),
    }


def _dword_option(settings: t.Mapping[str, t.Any], key: str, default: int) -> int:
    value = settings.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= codec.DWORD_MAX:
        raise AnsibleFilterError(f"{_ENCODE}: {key} {value!r} is not an integer 0-{codec.DWORD_MAX}")
    return value


_STRING_FORMS = {
    "proxy": "host:port or http=host:port;https=host:port",
    "auto_config_url": "an http:// or https:// URL",
}


def _string_option(settings: t.Mapping[str, t.Any], key: str) -> str:
    value = settings.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AnsibleFilterError(
            f"{_ENCODE}: {key} must be a string ({_STRING_FORMS[key]}), got {type(value).__name__}"
        )
    return value


def _bypass_option(settings: t.Mapping[str, t.Any]) -> str:
    value = settings.get("bypass")
    if value is None:
        return ""
    if isinstance(value, str):
        entries = codec.split_bypass(value)
    elif isinstance(value, (list, tuple)) and all(isinstance(entry, str) for entry in value):
        entries = [entry.strip() for entry in value if entry.strip()]
    else:
        raise AnsibleFilterError(
            f"{_ENCODE}: bypass must be a list of strings or a ';'-separated string, got {type(value).__name__}"
        )
    return ";".join(entries)


def _bool_option(settings: t.Mapping[str, t.Any], key: str, default: bool) -> bool:
    value = settings.get(key)
    if value is None:
        return default
    # Only real booleans: a string such as "false" is truthy and would silently enable the setting.
    if not isinstance(value, bool):
        raise AnsibleFilterError(f"{_ENCODE}: {key} must be a boolean (true or false), got {type(value).__name__}")
    return value


def connection_settings_encode(settings: t.Any) -> str:
    """Encode a dict like connection_settings_decode returns into the hex string of the blob.

    Every key is optional: version 0x46, counter 0 (written as given, not incremented), strings
    empty, trailing the padding Windows writes for the version. A flag defaults to its bit in
    ``flags`` when ``flags`` is given, else to whether its string is set (auto_detect to false); an
    explicit boolean overrides ``flags``. DIRECT is always set.
    """
    if not isinstance(settings, t.Mapping):
        raise AnsibleFilterError(f"{_ENCODE}: expected a dict, got {type(settings).__name__}")
    unknown = sorted(str(key) for key in settings if key not in _ENCODE_KEYS + _DERIVED_KEYS)
    if unknown:
        raise AnsibleFilterError(
            f"{_ENCODE}: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(_ENCODE_KEYS)}"
        )
    version = _dword_option(settings, "version", codec.VERSION_CURRENT)
    counter = _dword_option(settings, "counter", 0)
    proxy = _string_option(settings, "proxy")
    auto_config_url = _string_option(settings, "auto_config_url")
    bypass = _bypass_option(settings)
    has_flags = settings.get("flags") is not None
    flags = _dword_option(settings, "flags", 0)
    for key, bit, implied in (
        ("manual_proxy", codec.FLAG_PROXY, bool(proxy)),
        ("auto_config", codec.FLAG_AUTO_PROXY_URL, bool(auto_config_url)),
        ("auto_detect", codec.FLAG_AUTO_DETECT, False),
    ):
        enabled = _bool_option(settings, key, bool(flags & bit) if has_flags else implied)
        flags = flags | bit if enabled else flags & ~bit
    # An enabled flag with an empty string is written as given: Windows itself leaves such blobs when the
    # text is cleared in the Internet Options dialog (docs/dev/real-blobs.md), and WinINET does not use it.
    raw_trailing = settings.get("trailing")
    trailing = (
        codec.windows_padding(version) if raw_trailing is None else blob_from(raw_trailing, f"{_ENCODE}: trailing")
    )
    try:
        blob = codec.encode(codec.ConnectionSettings(version, counter, flags, proxy, bypass, auto_config_url, trailing))
    except codec.ConnectionSettingsError as exc:
        raise AnsibleFilterError(f"{_ENCODE}: {exc}") from None
    return blob.hex()


class FilterModule:
    """WinINET connection settings codec filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "connection_settings_decode": connection_settings_decode,
            "connection_settings_encode": connection_settings_encode,
        }
