# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.delivery_optimization_policy."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_delivery_optimization import (
    DELIVERY_OPTIMIZATION_SPEC,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._policy_values import PolicySurface
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_action import SurfaceAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_delivery_optimization import (
    surface_from_options,
)


class ActionModule(SurfaceAction):
    """Checks in one host command, changes in two."""

    FQCN = "proxyfleet.windows.delivery_optimization_policy"
    ARGUMENT_SPEC = DELIVERY_OPTIMIZATION_SPEC

    def build_surface(self, args: dict[str, t.Any]) -> PolicySurface:
        return surface_from_options(args)
