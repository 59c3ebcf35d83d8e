# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of the Delivery Optimization policy surface (internal use only)."""

from __future__ import annotations

DELIVERY_OPTIMIZATION_SPEC: dict[str, dict[str, object]] = {
    # A name or the policy's number; checked by the action plugin so both forms give one message.
    "download_mode": {"type": "raw"},
    "group_id": {"type": "str"},
    "group_id_source": {"type": "str", "choices": ["ad_site", "domain_sid", "dhcp", "dns_suffix", "entra_tenant"]},
    "cache_hosts": {"type": "list", "elements": "str"},
    "cache_host_source": {"type": "str", "choices": ["dhcp_option_235", "dhcp_option_235_forced"]},
    "disallow_cache_server_downloads_on_vpn": {"type": "bool"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "override_gpo": {"type": "bool", "default": False},
    "override_owner": {
        "type": "list",
        "elements": "str",
        "choices": ["group_policy", "mdm", "group_policy_preferences"],
        "default": [],
    },
}
