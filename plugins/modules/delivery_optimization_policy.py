#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docs and argument spec of proxyfleet.windows.delivery_optimization_policy; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: delivery_optimization_policy
short_description: Audit and set Delivery Optimization download mode, group and Connected Cache policy
version_added: 0.1.0
description:
  - Manages the Delivery Optimization policy values under
    C(HKLM\SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization) that decide how Windows Update, Store and
    Intune content is downloaded when a proxy is in the way.
  - When devices cannot reach C(*.prod.do.dsp.mp.microsoft.com) directly, download mode V(group) with a group id
    or group id source is Microsoft's documented fallback.
  - Options you omit are left as they are. O(state=absent) removes exactly the six values this module manages,
    never the key or other values in it.
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - proxyfleet.windows._surface
  - proxyfleet.windows._group_policy
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  action_group:
    support: full
    membership:
      - proxyfleet.windows.surfaces
options:
  download_mode:
    description:
      - C(DODownloadMode), by name or by the policy's number.
      - V(http_only) (0), V(lan) (1, the Windows default), V(group) (2), V(internet) (3), V(simple) (99, no
        Delivery Optimization cloud services), V(bypass) (100, deprecated and ignored on Windows 11; warns).
    type: raw
  group_id:
    description:
      - C(DOGroupId), a GUID; used only with O(download_mode=group).
      - Windows ignores it when C(DOGroupIdSource) is set (Delivery Optimization reference, DOGroupIdSource -
        "If you set this policy, the GroupID policy will be ignored"), so do not set both; giving both warns
        and proxy_facts reports finding DO007.
    type: str
  group_id_source:
    description:
      - C(DOGroupIdSource), where the group comes from; when set (other than 0), it wins over O(group_id), which
        Windows then ignores.
    type: str
    choices: [ad_site, domain_sid, dhcp, dns_suffix, entra_tenant]
  cache_hosts:
    description:
      - C(DOCacheHost), the Microsoft Connected Cache servers (FQDN or IP), tried in the order given.
      - An IPv6 address needs no brackets. Numbers (unquoted in YAML) are errors.
      - At most 1,000 entries; a host name at most 253 characters.
    type: list
    elements: str
  cache_host_source:
    description:
      - C(DOCacheHostSource), V(dhcp_option_235) (1) or V(dhcp_option_235_forced) (2).
    type: str
    choices: [dhcp_option_235, dhcp_option_235_forced]
  disallow_cache_server_downloads_on_vpn:
    description:
      - C(DODisallowCacheServerDownloadsOnVPN), block downloads from Connected Cache while on VPN.
    type: bool
  state:
    description:
      - V(present) sets the given values; V(absent) removes all six.
    type: str
    choices: [present, absent]
    default: present
author:
  - proxyfleet.windows contributors (@proxyfleet)
seealso:
  - module: proxyfleet.windows.winhttp_proxy
  - name: Delivery Optimization and proxy
    description: Which proxy Delivery Optimization uses in which context, and the documented fallbacks.
    link: https://learn.microsoft.com/windows/deployment/do/delivery-optimization-proxy
"""

EXAMPLES = r"""
- name: Peer within an explicit group when the DO cloud cannot be reached directly
  proxyfleet.windows.delivery_optimization_policy:
    download_mode: group
    group_id: 8a6e2a3c-3f0b-4d7e-9a53-2b2f8a1f0c11

- name: Connected Cache servers in order of preference
  proxyfleet.windows.delivery_optimization_policy:
    cache_hosts:
      - mcc1.corp.example
      - mcc2.corp.example
"""

RETURN = r"""
changed:
  description: Whether a value was (or in check mode would be) written or removed.
  returned: always
  type: bool
before:
  description: The settings as found; null for a value that does not exist. Modes and sources by name.
  returned: always
  type: dict
  sample:
    download_mode: group
    group_id: null
    group_id_source: null
    cache_hosts: null
    cache_host_source: null
    disallow_cache_server_downloads_on_vpn: null
  contains:
    download_mode:
      description: C(DODownloadMode) by name (V(lan), V(group), ...), null when not set.
      type: str
      sample: lan
    group_id:
      description: C(DOGroupId), null when not set.
      type: str
    group_id_source:
      description: C(DOGroupIdSource) by name, null when not set.
      type: str
    cache_hosts:
      description: C(DOCacheHost) as a list, null when not set.
      type: list
      elements: str
    cache_host_source:
      description: C(DOCacheHostSource) by name, null when not set.
      type: str
    disallow_cache_server_downloads_on_vpn:
      description: C(DODisallowCacheServerDownloadsOnVPN), null when not set.
      type: bool
after:
  description: The settings after the task; in check mode, what they would be.
  returned: always
  type: dict
  contains:
    download_mode:
      description: C(DODownloadMode) by name (V(lan), V(group), ...), null when not set.
      type: str
      sample: lan
    group_id:
      description: C(DOGroupId), null when not set.
      type: str
    group_id_source:
      description: C(DOGroupIdSource) by name, null when not set.
      type: str
    cache_hosts:
      description: C(DOCacheHost) as a list, null when not set.
      type: list
      elements: str
    cache_host_source:
      description: C(DOCacheHostSource) by name, null when not set.
      type: str
    disallow_cache_server_downloads_on_vpn:
      description: C(DODisallowCacheServerDownloadsOnVPN), null when not set.
      type: bool
drift:
  description: Every setting that differs from what was asked, C([]) when compliant.
  returned: always
  type: list
  elements: dict
  sample:
  - setting: delivery_optimization.group_id
    current: null
    desired: 8a6e2a3c-3f0b-4d7e-9a53-2b2f8a1f0c11
  contains:
    setting:
      description: The setting, C(<surface>.<name>); WinHTTP and WinINET name the registry view, for
        example C(winhttp.64.proxy).
      type: str
      sample: telemetry.proxy
    current:
      description: Its value on the host, null when not set.
      type: raw
      sample: 10.0.0.6:8080
    desired:
      description: The value asked for.
      type: raw
      sample: proxy.corp.example:8080
    owner:
      description:
        - Who sets the value - V(group_policy), V(mdm) (Intune or another MDM server, Policy CSP),
          V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference store that
          C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the collection's
          C(docs/owners.md).
      returned: always
      type: str
      sample: mdm
    gpo_name:
      description: The GPO's display name.
      returned: for group_policy and group_policy_preferences
      type: str
      sample: Contoso MDE proxy
    gpo_id:
      description: The GPO's id as the Resultant Set of Policy names it (its directory path).
      returned: for group_policy and group_policy_preferences
      type: str
      sample: cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com
    key:
      description: The registry key the owner's value is in (for mdm, the Policy CSP store's area key).
      returned: for group_policy, mdm, group_policy_preferences and preference
      type: str
      sample: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
    value:
      description: The registry value name the owner sets.
      returned: for mdm, group_policy_preferences and preference
      type: str
      sample: DODownloadMode
    area:
      description: The Policy CSP area.
      returned: for mdm
      type: str
      sample: DeliveryOptimization
    policy:
      description: The Policy CSP policy.
      returned: for mdm
      type: str
      sample: DODownloadMode
    csp:
      description: The policy's CSP node, as an Intune custom profile names it.
      returned: for mdm
      type: str
      sample: ./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode
    provider:
      description:
        - The enrollment that set it (its C(ProviderID), C(MS DM Server) for Intune, and UPN), or the winning
          provider's GUID when the enrollment is not found.
      returned: for mdm, when the store names the winning provider
      type: str
      sample: MS DM Server (admin@contoso.com)
    effective:
      description: The value the MDM store holds, in option terms.
      returned: for mdm
      type: raw
      sample: group
    mdm_wins_over_gp:
      description: Whether C(MDMWinsOverGP) is set, which makes the MDM value win over Group Policy.
      returned: for mdm
      type: bool
      sample: false
    action:
      description: The preference item's action (create, replace, update or delete).
      returned: for group_policy_preferences
      type: str
      sample: update
    verified:
      description: V(false) where Microsoft does not document the store the owner was read from (mdm,
        group_policy_preferences); see C(docs/owners.md).
      returned: when the store is not documented
      type: bool
      sample: false
    also:
      description: The other owners that set the same value and lose to this one.
      returned: when several owners set it
      type: list
      elements: str
      sample: [group_policy]
held:
  description:
    - Every setting that differs from what was asked but is left alone because Group Policy, MDM or a Group Policy
      Preferences item sets it (Windows would put it back), C([]) when there is none. Each carries the owner, the
      policy or profile, and a warning says what to change instead; O(override_owner) writes them.
    - Such a setting is not in C(drift) and does not make the task C(changed).
  returned: always
  type: list
  elements: dict
  sample:
  - setting: delivery_optimization.download_mode
    current: null
    desired: lan
    held: true
    owner: mdm
    area: DeliveryOptimization
    policy: DODownloadMode
    csp: ./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode
    key: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
    value: DODownloadMode
    effective: group
    mdm_wins_over_gp: false
    verified: false
  contains:
    setting:
      description: The setting, as in C(drift).
      type: str
      sample: delivery_optimization.download_mode
    current:
      description: Its value in the store the module writes, null when not set.
      type: raw
    desired:
      description: The value asked for.
      type: raw
    held:
      description: Always V(true).
      type: bool
    owner:
      description:
        - Who sets the value - V(group_policy), V(mdm) (Intune or another MDM server, Policy CSP),
          V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference store that
          C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the collection's
          C(docs/owners.md).
      returned: always
      type: str
      sample: mdm
    gpo_name:
      description: The GPO's display name.
      returned: for group_policy and group_policy_preferences
      type: str
      sample: Contoso MDE proxy
    gpo_id:
      description: The GPO's id as the Resultant Set of Policy names it (its directory path).
      returned: for group_policy and group_policy_preferences
      type: str
      sample: cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com
    key:
      description: The registry key the owner's value is in (for mdm, the Policy CSP store's area key).
      returned: for group_policy, mdm, group_policy_preferences and preference
      type: str
      sample: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
    value:
      description: The registry value name the owner sets.
      returned: for mdm, group_policy_preferences and preference
      type: str
      sample: DODownloadMode
    area:
      description: The Policy CSP area.
      returned: for mdm
      type: str
      sample: DeliveryOptimization
    policy:
      description: The Policy CSP policy.
      returned: for mdm
      type: str
      sample: DODownloadMode
    csp:
      description: The policy's CSP node, as an Intune custom profile names it.
      returned: for mdm
      type: str
      sample: ./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode
    provider:
      description:
        - The enrollment that set it (its C(ProviderID), C(MS DM Server) for Intune, and UPN), or the winning
          provider's GUID when the enrollment is not found.
      returned: for mdm, when the store names the winning provider
      type: str
      sample: MS DM Server (admin@contoso.com)
    effective:
      description: The value the MDM store holds, in option terms.
      returned: for mdm
      type: raw
      sample: group
    mdm_wins_over_gp:
      description: Whether C(MDMWinsOverGP) is set, which makes the MDM value win over Group Policy.
      returned: for mdm
      type: bool
      sample: false
    action:
      description: The preference item's action (create, replace, update or delete).
      returned: for group_policy_preferences
      type: str
      sample: update
    verified:
      description: V(false) where Microsoft does not document the store the owner was read from (mdm,
        group_policy_preferences); see C(docs/owners.md).
      returned: when the store is not documented
      type: bool
      sample: false
    also:
      description: The other owners that set the same value and lose to this one.
      returned: when several owners set it
      type: list
      elements: str
      sample: [group_policy]
owners:
  description:
    - The owner of each setting of C(before), by C(<surface>.<name>) (WinHTTP by view, C(winhttp.64)), as C(owner)
      with its details beside it, as in C(drift).
  returned: always
  type: dict
  sample:
    telemetry.proxy:
      owner: group_policy
      gpo_name: Contoso MDE proxy
      gpo_id: cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com
      key: HKLM\SOFTWARE\Policies\Microsoft\Windows\DataCollection
    telemetry.disable_enterprise_auth_proxy:
      owner: local
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host.
  returned: always
  type: int
  sample: 1
agent_bytes:
  description:
    - The UTF-8 bytes of host agent text (its core and the optional parts the request used) the task sent,
      over all its host commands.
    - See the collection's C(docs/performance.md).
  returned: always
  type: int
  sample: 24310
backup_id:
  description: The on-host backup of the prior values; null when nothing was written.
  returned: always
  type: str
  sample: 20261123T103000123456Z-1a2b3c4d
"""

# The spec lives in module_utils so proxy_baseline takes exactly the same options.
from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_delivery_optimization import (
    DELIVERY_OPTIMIZATION_SPEC,
)

ARGUMENT_SPEC = DELIVERY_OPTIMIZATION_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.delivery_optimization_policy")


if __name__ == "__main__":
    main()
