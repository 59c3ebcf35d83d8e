# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of the Defender for Endpoint telemetry proxy surface (internal use only)."""

from __future__ import annotations

TELEMETRY_SPEC: dict[str, dict[str, object]] = {
    "proxy": {"type": "str"},
    "disable_enterprise_auth_proxy": {"type": "bool", "default": True},
    "prefer_static_proxy_for_http_request": {"type": "bool"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "override_gpo": {"type": "bool", "default": False},
    "override_owner": {
        "type": "list",
        "elements": "str",
        "choices": ["group_policy", "mdm", "group_policy_preferences"],
        "default": [],
    },
}
