# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of the Defender Antivirus proxy surface (internal use only)."""

from __future__ import annotations

DEFENDER_SPEC: dict[str, dict[str, object]] = {
    "proxy_server": {"type": "str"},
    "pac_url": {"type": "str"},
    # A bypass list is not a secret, whatever the "pass" in its name suggests to the no_log check.
    "bypass": {"type": "list", "elements": "str", "no_log": False},
    # No `choices` for integers: ansible-core 2.16 crashes formatting the error for integer choices.
    "ssl_options": {"type": "int"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "override_gpo": {"type": "bool", "default": False},
    "override_owner": {
        "type": "list",
        "elements": "str",
        "choices": ["group_policy", "mdm", "group_policy_preferences"],
        "default": [],
    },
}
