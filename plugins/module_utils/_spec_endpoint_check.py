# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of proxy_endpoint_check (internal use only)."""

from __future__ import annotations

ENDPOINT_CHECK_SPEC: dict[str, dict[str, object]] = {
    "urls": {"type": "list", "elements": "raw", "default": ["delivery_optimization", "defender_endpoint"]},
    "via": {
        "type": "list",
        "elements": "str",
        "choices": ["effective", "winhttp_default", "direct", "named"],
        "default": ["effective"],
    },
    "proxy": {"type": "str"},
    "timeout": {"type": "int", "default": 5},
    "total_timeout": {"type": "int", "default": 20},
    "authenticating_proxies": {"type": "list", "elements": "str", "default": []},
}
