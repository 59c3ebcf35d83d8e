# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Defender Antivirus proxy policy: proxy server, PAC, bypass and SSLOptions (internal use only)."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._policy_values import PolicySurface, PolicyValue
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    ProxyInputError,
    check_bypass,
    check_proxy_url,
    check_url,
    given_options,
    same_bypass,
    same_url,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._winhttp_settings import split_bypass

NAME = "defender"
TITLE = "Defender Antivirus proxy policy"
DEFENDER_POLICY = r"SOFTWARE\Policies\Microsoft\Windows Defender"
SPYNET_POLICY = DEFENDER_POLICY + r"\Spynet"
# The four values Microsoft documents for SSLOptions ([MDEPX]).
SSL_OPTIONS = {
    0: "disable certificate pinning and revocation checks",
    1: "disable certificate pinning",
    2: "disable revocation checks only",
    3: "certificate pinning and revocation checks on (the default)",
}


def _same_bypass(current: t.Any, desired: t.Any) -> bool:
    return same_bypass(split_bypass(str(current)), split_bypass(str(desired)))


VALUES = (
    PolicyValue("proxy_server", DEFENDER_POLICY, "ProxyServer", "string", same=same_url),
    PolicyValue("pac_url", DEFENDER_POLICY, "ProxyPacUrl", "string", same=same_url),
    # The separator is not documented; ';' is what the ADMX examples and WinINET use.
    PolicyValue("bypass", DEFENDER_POLICY, "ProxyBypass", "string", ";".join, split_bypass, _same_bypass),
    PolicyValue("ssl_options", SPYNET_POLICY, "SSLOptions", "dword"),
)
MANAGED = ("proxy_server", "pac_url", "bypass", "ssl_options")


def surface_from_options(args: dict[str, t.Any]) -> PolicySurface:
    """Validate defender_proxy's options and bind the surface.

    Raises:
        ProxyInputError: with a message naming the option and the accepted form.
    """
    given = given_options(args, MANAGED, absent_effect="removes the Defender proxy values")
    if args.get("state") == "absent":
        return PolicySurface(NAME, TITLE, VALUES, None)
    if not given:
        raise ProxyInputError("give at least one of proxy_server, pac_url, bypass, ssl_options when state=present")
    desired: dict[str, t.Any] = {}
    if args.get("proxy_server") is not None:
        desired["proxy_server"] = check_proxy_url("proxy_server", args["proxy_server"])
    if args.get("pac_url") is not None:
        desired["pac_url"] = check_url("pac_url", args["pac_url"])
    if args.get("bypass") is not None:
        desired["bypass"] = check_bypass("bypass", args["bypass"])
    if args.get("ssl_options") is not None:
        if isinstance(args["ssl_options"], bool) or args["ssl_options"] not in SSL_OPTIONS:
            accepted = ", ".join(f"{number} ({meaning})" for number, meaning in SSL_OPTIONS.items())
            raise ProxyInputError(f"ssl_options: {args['ssl_options']} is not one of {accepted}")
        desired["ssl_options"] = args["ssl_options"]
    return PolicySurface(NAME, TITLE, VALUES, desired)
