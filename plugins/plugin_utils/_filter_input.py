# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Binary registry values as users hand them to our filters (internal use only)."""

from __future__ import annotations

import re
import typing as t

from ansible.errors import AnsibleFilterError

# reg export writes "hex:46,00,..." over several lines ending in a backslash; netsh and PowerShell
# users paste spaced or colon-separated bytes.
_HEX_SEPARATORS = re.compile(r"[\s,:\\]")


def blob_from(value: t.Any, where: str) -> bytes:
    """Accept a hex string (spaces, commas, colons, a ``hex:`` prefix allowed), bytes, or a list.

    A list may hold integers (win_reg_stat's ``raw_value``) or hex strings such as ``0x46``
    (win_reg_stat's ``value``). ``where`` starts every error message.
    """
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        text = _HEX_SEPARATORS.sub("", value)
        if text.lower().startswith("hex"):
            text = text[3:]
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise AnsibleFilterError(f"{where} {value[:60]!r} is not a hex string") from None
    if isinstance(value, (list, tuple)):
        try:
            return bytes(int(item, 16) if isinstance(item, str) else int(item) for item in value)
        except (TypeError, ValueError):
            raise AnsibleFilterError(f"{where} as a list must hold integers 0-255") from None
    raise AnsibleFilterError(f"{where} must be a hex string, bytes or a list of integers, got {type(value).__name__}")
