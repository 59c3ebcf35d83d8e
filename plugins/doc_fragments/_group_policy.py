# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The owner guard options every setting module shares (internal use only, not public API)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  override_owner:
    description:
      - A value that Group Policy (per the host's Resultant Set of Policy), an MDM server such as Intune (the
        Policy CSP store under C(HKLM\SOFTWARE\Microsoft\PolicyManager)) or a Group Policy Preferences registry
        item sets comes back at the next policy refresh or MDM sync, or, written as policy over an MDM value,
        silently takes the place of the MDM profile. By default such a value is not changed; all of this is read
        in the same host command as the settings.
      - It is reported in C(held), not in C(drift), with its C(owner) (V(group_policy), V(mdm) or
        V(group_policy_preferences)) and the policy, profile or preference item that sets it, and a warning that
        says what to change instead. It does not make the task C(changed).
      - List the owners whose values the task may write anyway, with a warning, for example V([mdm]).
      - Values of the Defender preference store (V(preference), C(Set-MpPreference)) and local values are never
        held. See the collection's C(docs/owners.md).
    type: list
    elements: str
    choices: [group_policy, mdm, group_policy_preferences]
    default: []
  override_gpo:
    description:
      - V(true) is the same as naming V(group_policy) in O(override_owner), kept for playbooks written before it.
    type: bool
    default: false
"""
