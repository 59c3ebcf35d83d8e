# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn wininet_proxy's options into the bound surface, or a user-facing error (internal use only)."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_forms import check_stock_proxy
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    ProxyInputError,
    check_bypass,
    check_url,
    check_views,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_wininet import Desired, WinInetSurface


def surface_from_options(args: dict[str, t.Any]) -> WinInetSurface:
    """Validate everything the argument spec cannot, before any host command.

    What ansible.windows.win_inet_proxy takes means the same here: an empty proxy or bypass is an option
    not given, and ``proxy: ''`` with nothing else set is direct access (state=absent).

    Raises:
        ProxyInputError: with a message naming the option, the value and the accepted form.
    """
    views = check_views(args.get("views"))
    args, removed = _stock_equivalents(args)
    settings = [name for name in ("proxy", "bypass", "auto_config_url") if args.get(name) is not None]
    if args.get("auto_detect"):
        settings.append("auto_detect")
    if args.get("state") == "absent":
        if settings:
            raise ProxyInputError(
                f"{' and '.join(settings)} cannot be used with state=absent, which sets direct access and removes "
                "the per-machine policy"
            )
        return WinInetSurface(None, views, clear_disabled=bool(args.get("clear_disabled")))
    if removed and not {"proxy", "auto_config_url", "auto_detect"} & set(settings):
        if settings:
            raise ProxyInputError(
                f"{' and '.join(settings)} cannot be used with proxy='' alone, which sets direct access (as in "
                "ansible.windows.win_inet_proxy) like state=absent"
            )
        return WinInetSurface(None, views, clear_disabled=bool(args.get("clear_disabled")))
    if not {"proxy", "auto_config_url", "auto_detect"} & set(settings):
        raise ProxyInputError("give proxy, auto_config_url or auto_detect=true when state=present")
    proxy = check_stock_proxy("proxy", args["proxy"]) if args.get("proxy") is not None else ""
    desired = Desired(
        proxy=proxy,
        bypass=tuple(check_bypass("bypass", args.get("bypass") or [])),
        auto_config_url=(
            check_url("auto_config_url", args["auto_config_url"]) if args.get("auto_config_url") is not None else ""
        ),
        auto_detect=bool(args.get("auto_detect")),
        per_machine=True if args.get("per_machine", True) else None,
        clear_disabled=bool(args.get("clear_disabled")),
    )
    return WinInetSurface(desired, views)


def _stock_equivalents(args: dict[str, t.Any]) -> tuple[dict[str, t.Any], bool]:
    """An empty proxy or bypass as the stock module means it (not given); True when ``proxy: ''`` was given.

    An empty auto_config_url stays an error: alone it would silently mean direct access.
    """
    args = dict(args)
    removed = args.get("proxy") == ""
    if removed:
        args["proxy"] = None
    # ansible's list type turns '' into [''].
    if args.get("bypass") in ([""], []):
        args["bypass"] = None
    return args, removed and args.get("state", "present") == "present"
