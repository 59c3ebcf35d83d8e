# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn winhttp_proxy's options into the desired state, or a user-facing error (internal use only)."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_forms import check_stock_proxy
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    ProxyInputError,
    check_bypass,
    check_views,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_winhttp import Desired


def desired_from_options(args: dict[str, t.Any]) -> tuple[Desired | None, list[int]]:
    """Validate everything the argument spec cannot, before any host command.

    Returns None as the desired state for source=wininet: it is read from the host.

    What ansible.windows.win_http_proxy takes means the same here: ``source: ie`` is ``source: wininet``,
    ``proxy: ''`` is direct access (state=absent), and an empty bypass (``''`` or ``[]``) is no bypass.

    Raises:
        ProxyInputError: with a message naming the option, the value and the accepted form.
    """
    views = check_views(args.get("views"))
    args = _stock_equivalents(args)
    if args.get("proxy_removed"):
        if args.get("bypass"):
            raise ProxyInputError(
                "bypass cannot be used with proxy='', which sets direct access (as in "
                "ansible.windows.win_http_proxy); remove it or give a proxy"
            )
        return Desired("direct"), views
    if args.get("source") == "wininet":
        given = [name for name in ("proxy", "bypass") if args.get(name) is not None]
        if given:
            raise ProxyInputError(
                f"{' and '.join(given)} cannot be used with source=wininet, which copies them from the machine's "
                "WinINET settings"
            )
        if args.get("state") == "absent":
            raise ProxyInputError("source=wininet cannot be used with state=absent, which sets direct access")
        return None, views
    if args.get("state") == "absent":
        given = [name for name in ("proxy", "bypass") if args.get(name) is not None]
        if given:
            raise ProxyInputError(
                f"{' and '.join(given)} cannot be used with state=absent, which sets direct access; remove "
                f"{'them' if len(given) > 1 else 'it'} or use state=present"
            )
        return Desired("direct"), views
    if args.get("proxy") is None:
        raise ProxyInputError("proxy is required when state=present; expected host:port or a dict scheme -> host:port")
    proxy = check_stock_proxy("proxy", args["proxy"])
    bypass = check_bypass("bypass", args.get("bypass") or [])
    return Desired("named_proxy", proxy, tuple(bypass)), views


def _stock_equivalents(args: dict[str, t.Any]) -> dict[str, t.Any]:
    """The options with the stock modules' spellings turned into ours (``proxy_removed`` marks ``proxy: ''``)."""
    args = dict(args)
    if args.get("source") == "ie":
        args["source"] = "wininet"
    # ansible's list type turns '' into ['']: the stock modules' empty bypass.
    if args.get("bypass") in ([""], []):
        args["bypass"] = None
    if args.get("proxy") == "":
        args["proxy"] = None
        args["proxy_removed"] = args.get("state", "present") == "present" and args.get("source") is None
    return args
