# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of the WinHTTP surface, shared by winhttp_proxy and proxy_baseline (internal use only)."""

from __future__ import annotations

WINHTTP_SPEC: dict[str, dict[str, object]] = {
    "proxy": {"type": "raw"},
    # A bypass list is not a secret, whatever the "pass" in its name suggests to the no_log check.
    "bypass": {"type": "list", "elements": "str", "no_log": False},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "override_gpo": {"type": "bool", "default": False},
    "override_owner": {
        "type": "list",
        "elements": "str",
        "choices": ["group_policy", "mdm", "group_policy_preferences"],
        "default": [],
    },
    # No `choices` for views: ansible-core 2.16 crashes formatting the error for integer choices.
    "views": {"type": "list", "elements": "int", "default": [64, 32]},
    # ie: what ansible.windows.win_http_proxy calls it.
    "source": {"type": "str", "choices": ["wininet", "ie"]},
}
