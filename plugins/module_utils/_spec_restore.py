# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of proxy_restore (internal use only)."""

from __future__ import annotations

RESTORE_SPEC: dict[str, dict[str, object]] = {
    "backup_id": {"type": "str"},
    "list_only": {"type": "bool", "default": False},
}
