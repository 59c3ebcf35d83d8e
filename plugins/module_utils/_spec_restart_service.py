# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of restart_service (internal use only)."""

from __future__ import annotations

RESTART_SERVICE_SPEC: dict[str, dict[str, object]] = {
    "name": {"type": "list", "elements": "str", "required": True},
    "only_if_running": {"type": "bool", "default": True},
}
