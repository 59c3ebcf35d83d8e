# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Group Policy guard option every setting module shares (internal use only, not public API)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  override_gpo:
    description:
      - A value that Group Policy sets (per the host's Resultant Set of Policy, read in the same host command) is
        reverted at the next policy refresh, so by default it is not changed. It is reported in C(drift) with
        its C(owner), with a warning, and does not make the task C(changed).
      - V(true) writes it anyway, with a warning.
    type: bool
    default: false
"""
