# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Delivery Optimization policy: download mode, group, Connected Cache hosts (internal use only)."""

from __future__ import annotations

import typing as t
import uuid

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._policy_values import (
    PolicySurface,
    PolicyValue,
    bool_from_dword,
    dword_bool,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    ProxyInputError,
    given_options,
    is_host,
)

NAME = "delivery_optimization"
TITLE = "Delivery Optimization policy"
DO_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
DOWNLOAD_MODES = {"http_only": 0, "lan": 1, "group": 2, "internet": 3, "simple": 99, "bypass": 100}
GROUP_ID_SOURCES = {"ad_site": 1, "domain_sid": 2, "dhcp": 3, "dns_suffix": 4, "entra_tenant": 5}
CACHE_HOST_SOURCES = {"dhcp_option_235": 1, "dhcp_option_235_forced": 2}
BYPASS_DEPRECATED = (
    "download_mode bypass (100) is deprecated and ignored on Windows 11; use simple (99) to keep downloads "
    "off the Delivery Optimization cloud (only 99 does), or http_only (0) for downloads without peering"
)

# Delivery Optimization reference, DOGroupIdSource: "If you set this policy, the GroupID policy will be ignored."
GROUP_ID_IGNORED = (
    "group_id and group_id_source are both given: Windows ignores DOGroupId when DOGroupIdSource is set, so peers are "
    "grouped by group_id_source; give only one"
)


def _name_of(table: dict[str, int]) -> t.Callable[[t.Any], t.Any]:
    names = {number: name for name, number in table.items()}
    return lambda data: names.get(data, data)


def _same_guid(current: t.Any, desired: t.Any) -> bool:
    return str(current).strip("{}").lower() == str(desired).strip("{}").lower()


def _host_list(text: t.Any) -> list[str]:
    return [host.strip() for host in str(text).split(",") if host.strip()]


def _same_hosts(current: t.Any, desired: t.Any) -> bool:
    # Cache hosts are tried in order, so the order matters; host names do not care about case.
    return [host.lower() for host in _host_list(current)] == [host.lower() for host in _host_list(desired)]


VALUES = (
    PolicyValue(
        "download_mode", DO_POLICY, "DODownloadMode", "dword", DOWNLOAD_MODES.__getitem__, _name_of(DOWNLOAD_MODES)
    ),
    PolicyValue("group_id", DO_POLICY, "DOGroupId", "string", same=_same_guid),
    PolicyValue(
        "group_id_source",
        DO_POLICY,
        "DOGroupIdSource",
        "dword",
        GROUP_ID_SOURCES.__getitem__,
        _name_of(GROUP_ID_SOURCES),
    ),
    PolicyValue(
        "cache_hosts",
        DO_POLICY,
        "DOCacheHost",
        "string",
        ",".join,
        _host_list,
        _same_hosts,
    ),
    PolicyValue(
        "cache_host_source",
        DO_POLICY,
        "DOCacheHostSource",
        "dword",
        CACHE_HOST_SOURCES.__getitem__,
        _name_of(CACHE_HOST_SOURCES),
    ),
    PolicyValue(
        "disallow_cache_server_downloads_on_vpn",
        DO_POLICY,
        "DODisallowCacheServerDownloadsOnVPN",
        "dword",
        dword_bool,
        bool_from_dword,
    ),
)
MANAGED = tuple(value.setting for value in VALUES)


def download_mode_name(value: object) -> str:
    """Accept a mode's name or its policy number (int or digits); return the name."""
    accepted = ", ".join(f"{name} ({number})" for name, number in DOWNLOAD_MODES.items())
    if isinstance(value, str) and value in DOWNLOAD_MODES:
        return value
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    # isascii: str.isdigit() is also true for "²" and other digits int() does not read.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    for name, known in DOWNLOAD_MODES.items():
        if number == known:
            return name
    raise ProxyInputError(f"download_mode: {value!r} is not a download mode; accepted: {accepted}")


def _check_group_id(value: str) -> str:
    try:
        return str(uuid.UUID(value.strip().strip("{}")))
    except ValueError:
        raise ProxyInputError(
            f"group_id: {value!r} is not a GUID; expected the form 01234567-89ab-cdef-0123-456789abcdef"
        ) from None


def _check_cache_hosts(hosts: list[str]) -> list[str]:
    for index, host in enumerate(hosts):
        if not isinstance(host, str) or not is_host(host, bare_ipv6=True):
            raise ProxyInputError(
                f"cache_hosts[{index}]: {host!r} is not a host name or IP address; Connected Cache hosts are "
                "given as FQDN or IP, without scheme or port"
            )
    return hosts


def surface_from_options(args: dict[str, t.Any]) -> PolicySurface:
    """Validate delivery_optimization_policy's options and bind the surface.

    Raises:
        ProxyInputError: with a message naming the option and the accepted form.
    """
    given = given_options(args, MANAGED, absent_effect="removes the Delivery Optimization values")
    if args.get("state") == "absent":
        return PolicySurface(NAME, TITLE, VALUES, None)
    if not given:
        raise ProxyInputError(f"give at least one of {', '.join(MANAGED)} when state=present")
    desired = {name: args[name] for name in given}
    warnings = []
    if "download_mode" in desired:
        desired["download_mode"] = download_mode_name(desired["download_mode"])
        if desired["download_mode"] == "bypass":
            warnings.append(BYPASS_DEPRECATED)
    if "group_id" in desired:
        desired["group_id"] = _check_group_id(str(desired["group_id"]))
        if desired.get("download_mode", "group") != "group":
            warnings.append("group_id is used only with download_mode group (2)")
    if "group_id" in desired and desired.get("group_id_source"):
        warnings.append(GROUP_ID_IGNORED)
    if desired.get("download_mode") == "group" and not {"group_id", "group_id_source"} & set(desired):
        warnings.append(
            "download_mode group (2) without group_id or group_id_source: peers are grouped by AD site or "
            "domain by default, which may not be what you want"
        )
    if "cache_hosts" in desired:
        desired["cache_hosts"] = _check_cache_hosts(desired["cache_hosts"])
    return PolicySurface(NAME, TITLE, VALUES, desired, warnings)
