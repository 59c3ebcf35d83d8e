# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs of configmgr_proxy and configmgr_console_proxy (internal use only)."""

from __future__ import annotations

CONFIGMGR_PROXY_SPEC: dict[str, dict[str, object]] = {
    "site_code": {"type": "str"},
    "server": {"type": "str"},
    "use_proxy": {"type": "bool"},
    "proxy_server": {"type": "str"},
    "port": {"type": "int", "default": 80},
    # The name of a ConfigMgr account, never its password.
    "account": {"type": "str", "no_log": False},
    "software_update_point": {
        "type": "dict",
        "options": {"use_proxy": {"type": "bool"}, "use_proxy_for_adr": {"type": "bool"}},
    },
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}

CONFIGMGR_CONSOLE_PROXY_SPEC: dict[str, dict[str, object]] = {
    "path": {"type": "str"},
    "use_default_credentials": {"type": "bool"},
    "ignore_missing": {"type": "bool", "default": False},
}
