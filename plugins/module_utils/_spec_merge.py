# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of compliance_merge (internal use only)."""

from __future__ import annotations

MERGE_SPEC: dict[str, dict[str, object]] = {
    "src": {"type": "list", "elements": "str", "required": True},
    "dest": {"type": "path", "required": True},
    "formats": {
        "type": "list",
        "elements": "str",
        "choices": ["json", "junit", "csv", "html"],
        "default": ["json", "junit", "csv", "html"],
    },
    "previous": {"type": "path"},
    "duplicates": {"type": "str", "choices": ["fail", "newest"], "default": "fail"},
    "expected_slices": {"type": "int"},
    "title": {"type": "str", "default": "Proxy compliance"},
    "report_mode": {"type": "str", "default": "0600"},
    "summary_limit": {"type": "int", "default": 100},
}
