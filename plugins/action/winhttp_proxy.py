# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.winhttp_proxy: the WinHTTP default proxy in both registry views."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.modules.winhttp_proxy import ARGUMENT_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_action import SurfaceAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_winhttp import WinHttpSurface
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._winhttp_options import desired_from_options


class ActionModule(SurfaceAction):
    """Checks in one host command, changes in two."""

    FQCN = "proxyfleet.windows.winhttp_proxy"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def build_surface(self, args: dict[str, t.Any]) -> WinHttpSurface:
        return WinHttpSurface(*desired_from_options(args))
