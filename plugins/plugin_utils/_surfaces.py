# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every surface by name, with the function that binds it to its module's options (internal use only).

proxy_baseline, proxy_facts and reports iterate over this table; adding a surface is adding a row.
"""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import (
    _surface_defender,
    _surface_delivery_optimization,
    _surface_telemetry,
    _wininet_options,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import Surface
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_winhttp import WinHttpSurface
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._winhttp_options import desired_from_options


def _winhttp(args: dict[str, t.Any]) -> Surface:
    return WinHttpSurface(*desired_from_options(args))


# In planning order: WinHTTP source=wininet must follow the WinINET settings the same task writes.
SURFACE_BUILDERS: dict[str, t.Callable[[dict[str, t.Any]], Surface]] = {
    "wininet": _wininet_options.surface_from_options,
    "winhttp": _winhttp,
    "telemetry": _surface_telemetry.surface_from_options,
    "defender": _surface_defender.surface_from_options,
    "delivery_optimization": _surface_delivery_optimization.surface_from_options,
}
