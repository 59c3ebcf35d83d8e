# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of proxy_facts (internal use only)."""

from __future__ import annotations

FACTS_SPEC: dict[str, dict[str, object]] = {
    "profile": {"type": "str", "choices": ["standard", "offline"], "default": "standard"},
    "users": {"type": "bool", "default": True},
    "group_policy": {"type": "bool", "default": True},
    "authenticating_proxies": {"type": "list", "elements": "str", "default": []},
}
