# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the ConfigMgr console is installed, from the registry (internal use only).

The console's setup records its folder as ``UI Installation Directory``: a console installed on its own
under ``HKLM\\SOFTWARE\\Microsoft\\ConfigMgr10\\Setup`` (a 32-bit installer, so in the 32-bit view), the
console of a site server under ``HKLM\\SOFTWARE\\Microsoft\\SMS\\Setup``. Sources in docs/configmgr.md.
"""

from __future__ import annotations

import typing as t

CONFIG_FILE = "bin\\Microsoft.ConfigurationManagement.exe.config"
INSTALL_VALUE = "UI Installation Directory"
# In the order they are trusted.
INSTALL_KEYS: tuple[dict[str, t.Any], ...] = (
    {"hive": "HKLM", "path": "SOFTWARE\\Microsoft\\ConfigMgr10\\Setup", "view": 32},
    {"hive": "HKLM", "path": "SOFTWARE\\Microsoft\\ConfigMgr10\\Setup", "view": 64},
    {"hive": "HKLM", "path": "SOFTWARE\\Microsoft\\SMS\\Setup", "view": 64},
)
NOT_INSTALLED = (
    "the ConfigMgr console is not installed on this host: no 'UI Installation Directory' value under"
    " HKLM\\SOFTWARE\\Microsoft\\ConfigMgr10\\Setup (32- or 64-bit view) or HKLM\\SOFTWARE\\Microsoft\\SMS\\Setup;"
    " set path to the console's Microsoft.ConfigurationManagement.exe.config, or ignore_missing: true"
)


def read_operation() -> dict[str, t.Any]:
    return {"op": "read", "keys": [dict(key) for key in INSTALL_KEYS]}


def config_path(read_result: dict[str, t.Any]) -> str | None:
    """The configuration file under the first recorded install folder, or None."""
    for key in read_result["keys"]:
        for value in key.get("values", []):
            if value["name"].lower() == INSTALL_VALUE.lower() and value["type"] in ("string", "expandstring"):
                folder = str(value["data"]).strip().rstrip("\\")
                if folder:
                    return f"{folder}\\{CONFIG_FILE}"
    return None
