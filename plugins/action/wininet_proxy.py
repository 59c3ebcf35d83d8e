# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.wininet_proxy."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_wininet import WININET_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_action import SurfaceAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_wininet import WinInetSurface
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._wininet_options import surface_from_options


class ActionModule(SurfaceAction):
    """Checks in one host command, changes in two."""

    FQCN = "proxyfleet.windows.wininet_proxy"
    ARGUMENT_SPEC = WININET_SPEC

    def build_surface(self, args: dict[str, t.Any]) -> WinInetSurface:
        return surface_from_options(args)
