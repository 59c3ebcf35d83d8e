# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Defender for Endpoint telemetry proxy and PreferStaticProxyForHttpRequest (internal use only)."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._policy_values import (
    PolicySurface,
    PolicyValue,
    bool_from_dword,
    dword_bool,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    ProxyInputError,
    check_host_port,
    given_options,
    same_proxy,
)

NAME = "telemetry"
DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
ATP_POLICY = r"SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection"

VALUES = (
    PolicyValue("proxy", DATA_COLLECTION, "TelemetryProxyServer", "string", same=same_proxy),
    PolicyValue(
        "disable_enterprise_auth_proxy",
        DATA_COLLECTION,
        "DisableEnterpriseAuthProxy",
        "dword",
        dword_bool,
        bool_from_dword,
    ),
    PolicyValue(
        "prefer_static_proxy_for_http_request",
        ATP_POLICY,
        "PreferStaticProxyForHttpRequest",
        "dword",
        dword_bool,
        bool_from_dword,
    ),
)

AUTH_PROXY_WARNING = (
    "disable_enterprise_auth_proxy is false: Defender for Endpoint needs DisableEnterpriseAuthProxy=1, "
    "or the sensor tries an authenticated proxy it cannot use"
)


def surface_from_options(args: dict[str, t.Any]) -> PolicySurface:
    """Validate telemetry_proxy's options and bind the surface.

    Raises:
        ProxyInputError: with a message naming the option and the accepted form.
    """
    given_options(
        args, ("proxy", "prefer_static_proxy_for_http_request"), absent_effect="removes the telemetry proxy values"
    )
    if args.get("state") == "absent":
        return PolicySurface(NAME, "Defender for Endpoint telemetry proxy", VALUES, None)
    if args.get("proxy") is None:
        raise ProxyInputError("proxy is required when state=present; expected host:port, e.g. 10.0.0.6:8080")
    desired: dict[str, t.Any] = {
        "proxy": check_host_port("proxy", args["proxy"]),
        "disable_enterprise_auth_proxy": bool(args.get("disable_enterprise_auth_proxy", True)),
    }
    if args.get("prefer_static_proxy_for_http_request") is not None:
        desired["prefer_static_proxy_for_http_request"] = bool(args["prefer_static_proxy_for_http_request"])
    warnings = [] if desired["disable_enterprise_auth_proxy"] else [AUTH_PROXY_WARNING]
    return PolicySurface(NAME, "Defender for Endpoint telemetry proxy", VALUES, desired, warnings)
