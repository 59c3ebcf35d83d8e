# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of proxy_baseline: one sub-dictionary per surface, each its module's spec (internal use only)."""

from __future__ import annotations

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_defender import DEFENDER_SPEC
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_delivery_optimization import (
    DELIVERY_OPTIMIZATION_SPEC,
)
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_telemetry import TELEMETRY_SPEC
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_winhttp import WINHTTP_SPEC
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_wininet import WININET_SPEC

# The order is the planning order: WinHTTP source=wininet follows the WinINET settings written here.
SURFACES_SPEC: dict[str, dict[str, object]] = {
    "wininet": {"type": "dict", "options": WININET_SPEC},
    "winhttp": {"type": "dict", "options": WINHTTP_SPEC},
    "telemetry": {"type": "dict", "options": TELEMETRY_SPEC},
    "defender": {"type": "dict", "options": DEFENDER_SPEC},
    "delivery_optimization": {"type": "dict", "options": DELIVERY_OPTIMIZATION_SPEC},
}

# proxy_baseline's own options, outside the surfaces: the proxy_facts picture from the same read.
FACTS_OPTIONS_SPEC: dict[str, dict[str, object]] = {
    "facts": {"type": "bool", "default": False},
    "facts_profile": {"type": "str", "choices": ["standard", "offline"], "default": "standard"},
    "facts_users": {"type": "bool", "default": True},
    "authenticating_proxies": {"type": "list", "elements": "str", "default": []},
}

# A collection role's whole check in this one task: every option from the role's variables.
ROLE_OPTION_SPEC: dict[str, dict[str, object]] = {
    "role": {"type": "str", "choices": ["delivery_optimization", "defender_endpoint"]},
}

BASELINE_SPEC: dict[str, dict[str, object]] = {**SURFACES_SPEC, **FACTS_OPTIONS_SPEC, **ROLE_OPTION_SPEC}
