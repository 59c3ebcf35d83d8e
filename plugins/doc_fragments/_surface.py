# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes and notes every proxyfleet.windows surface module shares (internal use only, not public API)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Reads the host (one command), reports drift and what would change, writes nothing.
  diff_mode:
    support: full
    description: Shows the settings before and after in their own terms, never as bytes.
notes:
  - Checking costs one host command; changing costs two (read, then write with preconditions that fail
    if the values changed in between). Before anything is written the prior values are backed up on the host
    under C(HKLM\SOFTWARE\proxyfleet\Backups) (the newest 20 are kept), and a failed write is rolled back.
  - Runs as an action plugin through the existing connection, not through Ansible's PowerShell module
    wrapper, so C(become) and C(async) are not supported; a task that sets either fails before any host command.
"""
